/**
 * The Redis the tests share counters through. `npm test` runs Jest under tests/support/with-redis.js,
 * which starts a throwaway redis-server and sets POLICY_WRAP_TEST_REDIS_URL; a test that needs Redis
 * without it fails with this message instead of skipping.
 */
export function testRedisUrl(): string {
  const url = process.env.POLICY_WRAP_TEST_REDIS_URL;
  if (!url) {
    throw new Error(
      "Redis tests need POLICY_WRAP_TEST_REDIS_URL (npm test starts redis-server; install Debian's redis-server)",
    );
  }
  return url;
}
