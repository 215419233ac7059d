import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoopFields } from '../../../src/config/model.js';
import { aggregateLoopResults, emptyLoopResult, loopItemFields, loopItems, resolveLoop } from '../../../src/engine/loop.js';

const loc = { file: 'play.yml', line: 3, col: 5 };
const loop = (f: Partial<LoopFields>): LoopFields => ({ loopVar: 'item', ...f });

describe('loop items (ansible-core _get_loop_items)', () => {
  it('loop: renders the value and requires a list', () => {
    expect(loopItems(loop({ loop: '{{ xs }}' }), { xs: [1, 2] }, loc)).toEqual([1, 2]);
    expect(() => loopItems(loop({ loop: '{{ s }}' }), { s: 'abc' }, loc)).toThrow(/Invalid data passed to 'loop', it requires a list, got this instead: abc/);
  });

  it('with_items flattens one level after templating; a bare name is one string', () => {
    expect(loopItems(loop({ loopWith: 'items', loop: ['{{ a }}', '{{ b }}', 5] }), { a: [1, 2], b: [3, [4]] }, loc)).toEqual([1, 2, 3, [4], 5]);
    expect(loopItems(loop({ loopWith: 'items', loop: 'a' }), { a: [1, 2] }, loc)).toEqual(['a']);
    expect(loopItems(loop({ loopWith: 'list', loop: [[1, 2], 3] }), {}, loc)).toEqual([[1, 2], 3]);
  });

  it('with_dict, with_sequence, with_nested, with_together, with_subelements', () => {
    expect(loopItems(loop({ loopWith: 'dict', loop: '{{ d }}' }), { d: { a: 1, b: 2 } }, loc)).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    expect(loopItems(loop({ loopWith: 'sequence', loop: 'start=1 end=5 stride=2 format=n%d' }), {}, loc)).toEqual(['n1', 'n3', 'n5']);
    expect(loopItems(loop({ loopWith: 'nested', loop: [['a', 'b'], [1]] }), {}, loc)).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(loopItems(loop({ loopWith: 'together', loop: [['a', 'b'], [1]] }), {}, loc)).toEqual([
      ['a', 1],
      ['b', null],
    ]);
    const users = [{ n: 'a', k: [1, 2] }, { n: 'b' }];
    expect(loopItems(loop({ loopWith: 'subelements', loop: ['{{ users }}', 'k', { skip_missing: true }] }), { users }, loc)).toEqual([
      [users[0], 1],
      [users[0], 2],
    ]);
  });

  it('an undefined variable in the terms is a located error naming it', () => {
    expect(() => loopItems(loop({ loopWith: 'items', loop: '{{ nope }}' }), {}, loc)).toThrow(/nope/);
  });

  it('with_first_found: files/, templates/ for template tasks, undefined terms dropped, skip', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsplay-loop-'));
    mkdirSync(path.join(dir, 'files'));
    mkdirSync(path.join(dir, 'templates'));
    writeFileSync(path.join(dir, 'files', 'b.conf'), 'b');
    writeFileSync(path.join(dir, 'templates', 't.j2'), 't');
    const vars = { ansible_search_path: [dir] };
    expect(loopItems(loop({ loopWith: 'first_found', loop: ['a.conf', '{{ undefined_x }}', 'b.conf'] }), vars, loc, 'copy')).toEqual([path.join(dir, 'files', 'b.conf')]);
    expect(loopItems(loop({ loopWith: 'first_found', loop: ['t.j2'] }), vars, loc, 'template')).toEqual([path.join(dir, 'templates', 't.j2')]);
    expect(loopItems(loop({ loopWith: 'first_found', loop: [{ files: ['x', 'y'], skip: true }] }), vars, loc, 'copy')).toEqual([]);
    expect(() => loopItems(loop({ loopWith: 'first_found', loop: ['x'] }), vars, loc, 'copy')).toThrow(/No file was found when using first_found/);
  });
});

describe('loop_control and results (ansible-core _run_loop, run)', () => {
  it('index_var, extended ansible_loop, extended_allitems: false', () => {
    const { items, control } = resolveLoop(loop({ loop: ['a', 'b', 'c'], loopIndexVar: 'i', loopExtended: '{{ true }}', loopExtendedAllitems: false }), {}, loc);
    expect(loopItemFields(control, items, 1)).toEqual({
      item: 'b',
      ansible_loop_var: 'item',
      i: 1,
      ansible_index_var: 'i',
      ansible_loop: { index: 2, index0: 1, first: false, last: false, length: 3, revindex: 2, revindex0: 1, nextitem: 'c', previtem: 'a' },
    });
    expect(control.label).toBe('{{item}}');
  });

  it('aggregates changed/skipped/failed and the message as ansible-core does', () => {
    expect(aggregateLoopResults([{ changed: true }, { changed: false, skipped: true }])).toEqual({
      results: expect.any(Array),
      changed: true,
      skipped: false,
      msg: 'All items completed',
    });
    expect(aggregateLoopResults([{ skipped: true }, { skipped: true }])).toMatchObject({ changed: false, skipped: true, msg: 'All items skipped' });
    expect(aggregateLoopResults([{ failed: true }, { changed: true }])).toMatchObject({ failed: true, changed: true, msg: 'One or more items failed' });
    expect(emptyLoopResult()).toEqual({ changed: false, skipped: true, skipped_reason: 'No items in the list', results: [] });
  });
});
