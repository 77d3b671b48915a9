import { splitAtDoubleDash } from '../../../src/cli/argv.js';

describe('splitAtDoubleDash', () => {
  test.each([
    [['-p', 'x.json', '--', 'server', '--flag'], ['-p', 'x.json'], ['server', '--flag']],
    [['lint', 'a.json'], ['lint', 'a.json'], undefined],
    [['--', 'lint', '--', 'x'], [], ['lint', '--', 'x']],
  ])('%j', (argv, own, command) => {
    expect(splitAtDoubleDash(argv)).toEqual({ own, command });
  });
});
