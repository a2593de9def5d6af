# rewrite.cmake: makes a copy of a spec script that wabt 1.0.32's wast2json
# can read (cmake -P with IN, OUT). Only spellings change, never meaning:
# - `table.get/set/fill/grow/size` without a table index get an explicit 0
#   (the 2.0 abbreviation stands for table 0);
# - if.wast's `(if (i32.const 1) (i32.eqz) (then) (else))`, a folded `if`
#   with two condition expressions, becomes `(if (i32.eqz (i32.const 1))
#   (then) (else))`, which unfolds to the same instructions.
file(READ "${IN}" text)
string(REGEX REPLACE "(table\\.(get|set|fill|grow|size))([ \t\r\n]*[()])" "\\1 0\\3" text "${text}")
string(REPLACE "(if (i32.const 1) (i32.eqz) (then) (else))"
               "(if (i32.eqz (i32.const 1)) (then) (else))" text "${text}")
file(WRITE "${OUT}" "${text}")
