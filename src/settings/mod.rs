//! The domain: what each setting means, how it is validated, and how secrets are sealed.

pub mod calendar;
pub mod credentials;
pub mod form;
pub mod presence;
pub mod schema;
pub mod seal;
pub mod url;

use form::FormFile;

/// The settings files made of described fields ([`FormFile`]). The command
/// line, the editor, apply-to-all, drift, doctor and the support bundle
/// handle each one through this list; a new file is its module and a line here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FormId {
    Calendar,
}

/// Something to do with a form file, whichever it is: [`FormId::visit`]
/// calls it with the file's field type.
pub trait FormVisitor {
    type Out;
    fn visit<F: FormFile>(self) -> Self::Out;
}

impl FormId {
    pub const ALL: [FormId; 1] = [FormId::Calendar];

    /// Its command on the command line (`calendar`).
    pub fn command(self) -> &'static str {
        self.names().0
    }

    /// Its file's name for people (`Calendar.ini`).
    pub fn label(self) -> &'static str {
        self.names().1
    }

    /// Its tab's title in the editor (`Calendar`).
    pub fn tab_title(self) -> &'static str {
        self.names().2
    }

    fn names(self) -> (&'static str, &'static str, &'static str) {
        struct Names;
        impl FormVisitor for Names {
            type Out = (&'static str, &'static str, &'static str);
            fn visit<F: FormFile>(self) -> Self::Out {
                (F::COMMAND, F::LABEL, F::TAB)
            }
        }
        self.visit(Names)
    }

    /// Where the file is on a node.
    pub fn path(self, paths: &crate::paths::Paths) -> &str {
        struct Path<'a>(&'a crate::paths::Paths);
        impl<'a> FormVisitor for Path<'a> {
            type Out = &'a str;
            fn visit<F: FormFile>(self) -> &'a str {
                F::path(self.0)
            }
        }
        self.visit(Path(paths))
    }

    /// What its field `key` is called (`calendar password`), or `secret`
    /// when it has no such field.
    pub fn noun_of(self, key: &str) -> &'static str {
        struct Noun<'a>(&'a str);
        impl FormVisitor for Noun<'_> {
            type Out = &'static str;
            fn visit<F: FormFile>(self) -> &'static str {
                F::with_key(self.0).map_or("secret", |f| f.spec().noun)
            }
        }
        self.visit(Noun(key))
    }

    /// Runs `visitor` on the file's field type: the one place a form file
    /// is found by its id.
    pub fn visit<V: FormVisitor>(self, visitor: V) -> V::Out {
        match self {
            FormId::Calendar => visitor.visit::<calendar::Field>(),
        }
    }
}
