import { colourLevel } from '../../../src/cli/colour.js';
import { expandHome } from '../../../src/cli/home-path.js';

describe('colourLevel for a stream passed in', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  test.each([
    ['a terminal', tty, {}, 1],
    ['a pipe', pipe, {}, 0],
    ['NO_COLOR on a terminal', tty, { NO_COLOR: '1' }, 0],
    ['an empty NO_COLOR is ignored', tty, { NO_COLOR: '' }, 1],
    ['FORCE_COLOR=1 on a pipe', pipe, { FORCE_COLOR: '1' }, 1],
    ['FORCE_COLOR=3 on a pipe', pipe, { FORCE_COLOR: '3' }, 3],
    ['FORCE_COLOR="" on a pipe', pipe, { FORCE_COLOR: '' }, 1],
    ['FORCE_COLOR=0 on a terminal', tty, { FORCE_COLOR: '0' }, 0],
    ['FORCE_COLOR=false on a terminal', tty, { FORCE_COLOR: 'false' }, 0],
    ['FORCE_COLOR wins over NO_COLOR', pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, 1],
  ])('%s', (_name, stream, env, level) => {
    expect(colourLevel(stream, env)).toBe(level);
  });
});

describe('expandHome', () => {
  test.each([
    ['~/p.json', '/h/p.json'],
    ['~', '~'],
    ['~other/p.json', '~other/p.json'],
    ['./~/p.json', './~/p.json'],
    ['/abs/p.json', '/abs/p.json'],
    ['-', '-'],
  ])('%s', (path, expected) => {
    expect(expandHome(path, { HOME: '/h' })).toBe(expected);
  });
});
