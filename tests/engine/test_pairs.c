/*
** test_pairs.c: the superinstructions of CMP_PAIRS agree with the
** translator on where their second instruction starts (a wrong count would
** run the second instruction on the wrong words), and the translator forms
** them where the interpreter has them.
*/
#include <stdint.h>
#include <string.h>

#include "../test.h"
#include "compile.h"

static const uint16_t pairs[][2] = {
#define X_PAIR(a, b) {CMP_OP_##a, CMP_OP_##b},
    CMP_PAIRS(X_PAIR)
#undef X_PAIR
};

TEST(first_instruction_words_agree) {
  if (!interp_pairs()) {
    /* This build's interpreter has no pairs (clang): none may be asked for. */
    CHECK_EQ(interp_pair_first_words(CMP_OP_PAIR_FIRST_), 0);
    return;
  }
  uint32_t n = sizeof pairs / sizeof pairs[0];
  CHECK_EQ(n, CMP_OP_COUNT_ - CMP_OP_PAIR_FIRST_);
  for (uint32_t k = 0; k < n; k++) {
    uint32_t code[16] = {pairs[k][0]};
    uint32_t want = cmp_op_words(code);
    CHECK(want > 1);
    CHECK_EQ(interp_pair_first_words((cmp_op)(CMP_OP_PAIR_FIRST_ + k)), want);
    code[0] = CMP_OP_PAIR_FIRST_ + k;
    CHECK_EQ(cmp_op_words(code), want);
  }
}

TEST(no_pair_twice) {
  uint32_t n = sizeof pairs / sizeof pairs[0];
  for (uint32_t a = 0; a < n; a++)
    for (uint32_t b = a + 1; b < n; b++)
      CHECK(!(pairs[a][0] == pairs[b][0] && pairs[a][1] == pairs[b][1]));
}

TEST_MAIN(first_instruction_words_agree, no_pair_twice)
