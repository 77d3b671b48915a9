import { maskedRedisUrl } from '../../../src/shared/redis-url.js';

describe('maskedRedisUrl', () => {
  test.each([
    ['redis://:hunter2@cache:6380/1', 'redis://:***@cache:6380/1'],
    ['rediss://alice:hunter2@cache/counters', 'rediss://alice:***@cache/counters'],
    ['redis://alice@cache:6379', 'redis://alice@cache:6379'],
    ['redis://127.0.0.1:6379/2', 'redis://127.0.0.1:6379/2'],
  ])('shows %s as %s', (url, shown) => {
    expect(maskedRedisUrl(url)).toBe(shown);
  });

  test('hides the password of a URL that does not parse', () => {
    const shown = maskedRedisUrl('redis://:hun ter2@cache:port/1');
    expect(shown).toBe('redis://***@cache:port/1');
    expect(shown).not.toContain('hun');
  });

  test('leaves a URL without credentials that does not parse as it is', () => {
    expect(maskedRedisUrl('redis://cache:port')).toBe('redis://cache:port');
  });
});
