/*
** test_wast_value_names.c: wast_valtype_name, which failure lines use to
** name a type: every value type by its text-format name, and "?" (never
** NULL, so a failure line can always be printed) for any other code.
*/
#include "../test.h"

#include "wast_value.h"

TEST(value_types_have_their_text_names) {
  CHECK_STR(wast_valtype_name(RUSM_I32), "i32");
  CHECK_STR(wast_valtype_name(RUSM_I64), "i64");
  CHECK_STR(wast_valtype_name(RUSM_F32), "f32");
  CHECK_STR(wast_valtype_name(RUSM_F64), "f64");
  CHECK_STR(wast_valtype_name(RUSM_V128), "v128");
  CHECK_STR(wast_valtype_name(RUSM_FUNCREF), "funcref");
  CHECK_STR(wast_valtype_name(RUSM_EXTERNREF), "externref");
}

TEST(other_codes_are_a_question_mark) {
  CHECK_STR(wast_valtype_name((rusm_valtype)0), "?");
  CHECK_STR(wast_valtype_name((rusm_valtype)0x40), "?"); /* the empty block type */
}

TEST_MAIN(value_types_have_their_text_names, other_codes_are_a_question_mark)
