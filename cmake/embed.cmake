# cmake -DIN=file -DOUT=file.c -DNAME=sym -P embed.cmake
# Writes a C file defining `const unsigned char NAME[]` and `NAME_len` with
# IN's bytes, so binaries carry their default guests with no files at run time.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n  " body "${body}")
file(WRITE ${OUT} "/* generated from ${IN} by cmake/embed.cmake; do not edit */\n#include <stddef.h>\nconst unsigned char ${NAME}[] = {\n  ${body}\n};\nconst size_t ${NAME}_len = ${bytes};\n")
