import { splitAtCommand, splitAtDoubleDash } from '../../../src/cli/argv.js';

describe('splitAtDoubleDash', () => {
  test.each([
    [['-p', 'x.json', '--', 'server', '--flag'], ['-p', 'x.json'], ['server', '--flag']],
    [['lint', 'a.json'], ['lint', 'a.json'], undefined],
    [['--', 'lint', '--', 'x'], [], ['lint', '--', 'x']],
  ])('%j', (argv, own, command) => {
    expect(splitAtDoubleDash(argv)).toEqual({ own, command });
  });
});

describe('splitAtCommand: the command starts at the first argument that is not an option', () => {
  const options = [
    { short: '-p', long: '--policy', required: true },
    { long: '--monitor', required: false },
    { long: '--no-watch', required: false },
  ];
  test.each([
    [['--policy', 'p.json', 'node', 'server.js', '--policy', 'x'], ['--policy', 'p.json'], ['node', 'server.js', '--policy', 'x']],
    [['-p', 'p.json', '--monitor', 'node'], ['-p', 'p.json', '--monitor'], ['node']],
    [['--policy=p.json', 'node'], ['--policy=p.json'], ['node']],
    [['-pp.json', 'node'], ['-pp.json'], ['node']],
    [['--policy', '--monitor', 'node'], ['--policy', '--monitor'], ['node']],
    [['--policy', 'p.json', '--', 'node', '--', 'x'], ['--policy', 'p.json'], ['node', '--', 'x']],
    [['--policy', 'p.json', '--', '--odd-server'], ['--policy', 'p.json'], ['--odd-server']],
    [['--frobnicate', 'node'], ['--frobnicate'], ['node']],
    [['--policy', 'p.json'], ['--policy', 'p.json'], undefined],
    [['--policy'], ['--policy'], undefined],
    [['lint', 'a.json'], [], ['lint', 'a.json']],
    [[], [], undefined],
  ])('%j', (argv, own, command) => {
    expect(splitAtCommand(argv, options)).toEqual({ own, command });
  });
});
