# Reads the output of `cargo test --no-fail-fast` for the Windows target and
# prints, for .ci/windows-tests:
#   "wine TARGET NAME"  a test that failed because Wine could not start a
#                       process (Os error 1359, ERROR_INTERNAL_ERROR);
#   "other TARGET NAME" a test that failed in any other way;
#   "target TARGET"     a test binary cargo reports as failed.
# TARGET is in cargo's words: --lib, --bin ucsconf, --test NAME.
/^     Running unittests src\/lib\.rs/             { target = "--lib" }
/^     Running unittests src\/main\.rs/            { target = "--bin ucsconf" }
/^     Running tests\/[^\/]+\/main\.rs/            { split($2, part, "/"); target = "--test " part[2] }
/^test .* \.\.\. FAILED$/                          { failed[target " " $2] = 1 }
/^---- .* stdout ----$/                            { current = target " " $2; next }
/^failures:$/                                      { current = "" }
current != "" && /code: 1359[,}]|\(os error 1359\)/ { wine[current] = 1 }
/^error: [0-9]+ targets? failed:$/                 { listing = 1; next }
listing && /^    `.*`$/                            { gsub(/`/, ""); sub(/^ +/, ""); print "target " $0; next }
{ listing = 0 }
END { for (t in failed) print (t in wine ? "wine " : "other ") t }
