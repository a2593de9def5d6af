/*
** test_caps.c: capability profiles, ids, the builder, getters and the
** one-line summary (rusm/caps.h).
*/
#include "../test.h"

#include "rusm/caps.h"

static const char *summary(const rusm_caps *c) {
  static char buf[256];
  rusm_caps_summary(c, buf, sizeof buf);
  return buf;
}

TEST(profiles_have_the_reference_grants) {
  rusm_caps *s = rusm_caps_from_profile(RUSM_PROFILE_SANDBOXED);
  rusm_caps *n = rusm_caps_from_profile(RUSM_PROFILE_NETWORK_CLIENT);
  rusm_caps *t = rusm_caps_from_profile(RUSM_PROFILE_TRUSTED);
  REQUIRE(s && n && t);
  CHECK_EQ(rusm_caps_memory_limit(s), 64ull << 20);
  CHECK_EQ(rusm_caps_memory_limit(n), 64ull << 20);
  CHECK_EQ(rusm_caps_memory_limit(t), 1ull << 30);
  for (int g = 0; g < RUSM_CAP_COUNT_; g++) {
    CHECK(!rusm_caps_has(s, (rusm_cap_grant)g));
    CHECK_EQ(rusm_caps_has(n, (rusm_cap_grant)g), g == RUSM_CAP_NETWORK);
    CHECK(rusm_caps_has(t, (rusm_cap_grant)g));
  }
  CHECK(rusm_caps_process_control(t) && rusm_caps_can_spawn(t) && rusm_caps_storage_allowed(t));
  CHECK(!rusm_caps_process_control(n) && !rusm_caps_can_spawn(n));
  CHECK_EQ(rusm_caps_env_count(t), 0);
  CHECK_EQ(rusm_caps_preopen_count(t), 0);
  CHECK_STR(summary(s), "sandboxed mem=64M");
  CHECK_STR(summary(n), "net mem=64M");
  CHECK_STR(summary(t), "net spawn storage proc stdio mem=1024M");
  rusm_caps_free(s);
  rusm_caps_free(n);
  rusm_caps_free(t);
}

TEST(profile_ids_round_trip) {
  const char *ids[] = {"sandboxed", "network-client", "trusted"};
  for (int i = 0; i < RUSM_PROFILE_COUNT_; i++) {
    rusm_profile p;
    CHECK_STR(rusm_profile_id((rusm_profile)i), ids[i]);
    CHECK(rusm_profile_from_id(ids[i], &p));
    CHECK_EQ(p, i);
  }
  rusm_profile p = RUSM_PROFILE_TRUSTED;
  CHECK(!rusm_profile_from_id("Trusted", &p));
  CHECK(!rusm_profile_from_id("", &p));
  CHECK(!rusm_profile_from_id(NULL, &p));
  CHECK_EQ(p, RUSM_PROFILE_TRUSTED);
  CHECK(rusm_profile_id((rusm_profile)7) == NULL);
}

TEST(nothing_is_sandboxed) {
  rusm_caps *c = rusm_caps_new();
  REQUIRE(c);
  CHECK_STR(summary(c), "sandboxed mem=64M");
  CHECK(rusm_caps_ok(c));
  rusm_caps_free(c);
}

TEST(builder_matches_the_reference_summary) {
  rusm_caps *c = rusm_caps_new();
  REQUIRE(c);
  rusm_caps_allow_network(c, true);
  rusm_caps_allow_stdio(c, true);
  rusm_caps_allow_process_control(c, true);
  rusm_caps_allow_spawn(c, true);
  rusm_caps_allow_storage(c, true);
  rusm_caps_env(c, "A", "1");
  rusm_caps_env(c, "B", "2");
  rusm_caps_max_memory(c, 512ull << 20);
  CHECK(rusm_caps_ok(c));
  CHECK_STR(summary(c), "net spawn storage proc stdio env=2 mem=512M");
  rusm_caps_allow_spawn(c, false);
  rusm_caps_allow_network(c, false);
  CHECK_STR(summary(c), "storage proc stdio env=2 mem=512M");
  CHECK_EQ(rusm_caps_memory_limit(c), 512ull << 20);
  rusm_caps_free(c);
}

TEST(env_replaces_and_rejects_bad_keys) {
  rusm_caps *c = rusm_caps_new();
  rusm_caps_env(rusm_caps_env(c, "K", "one"), "K", "two");
  CHECK_EQ(rusm_caps_env_count(c), 1);
  const char *k, *v;
  rusm_caps_env_at(c, 0, &k, &v);
  CHECK_STR(k, "K");
  CHECK_STR(v, "two");
  CHECK_STR(summary(c), "env=1 mem=64M");
  CHECK(rusm_caps_ok(c));
  rusm_caps_env(c, "A=B", "x");
  CHECK(!rusm_caps_ok(c));
  CHECK_EQ(rusm_caps_env_count(c), 1);
  rusm_caps_free(c);
  c = rusm_caps_new();
  rusm_caps_env(c, "", "x");
  CHECK(!rusm_caps_ok(c));
  rusm_caps_free(c);
}

TEST(preopens_are_recorded_and_cloned) {
  rusm_caps *c = rusm_caps_new();
  rusm_caps_preopen(c, "/tmp", "/data", true);
  rusm_caps_preopen(c, "/var", "/w", false);
  rusm_caps_env(c, "X", "y");
  rusm_caps *d = rusm_caps_clone(c);
  rusm_caps_free(c);
  REQUIRE(d);
  CHECK_EQ(rusm_caps_preopen_count(d), 2);
  const char *h, *g;
  bool ro;
  rusm_caps_preopen_at(d, 0, &h, &g, &ro);
  CHECK_STR(h, "/tmp");
  CHECK_STR(g, "/data");
  CHECK(ro);
  rusm_caps_preopen_at(d, 1, &h, &g, &ro);
  CHECK_STR(g, "/w");
  CHECK(!ro);
  CHECK_STR(summary(d), "fs=2 env=1 mem=64M");
  rusm_caps_free(d);
}

TEST(summary_truncates_like_snprintf) {
  rusm_caps *c = rusm_caps_from_profile(RUSM_PROFILE_TRUSTED);
  char small[8];
  size_t n = rusm_caps_summary(c, small, sizeof small);
  CHECK_EQ(n, strlen("net spawn storage proc stdio mem=1024M"));
  CHECK_STR(small, "net spa");
  rusm_caps_max_memory(c, 3000);
  char buf[64];
  rusm_caps_summary(c, buf, sizeof buf);
  CHECK_STR(buf, "net spawn storage proc stdio mem=3000B");
  rusm_caps_max_memory(c, 3 * 1024);
  rusm_caps_summary(c, buf, sizeof buf);
  CHECK_STR(buf, "net spawn storage proc stdio mem=3K");
  rusm_caps_free(c);
}

TEST_MAIN(profiles_have_the_reference_grants, profile_ids_round_trip, nothing_is_sandboxed,
          builder_matches_the_reference_summary, env_replaces_and_rejects_bad_keys,
          preopens_are_recorded_and_cloned, summary_truncates_like_snprintf)
