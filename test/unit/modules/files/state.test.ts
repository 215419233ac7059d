import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, mkdirSync, symlinkSync, chmodSync, rmSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStateCommand, parseFileState, probeFileState } from '../../../../src/modules/files/state.js';
import type { RunResult } from '../../../../src/executors/types.js';

/** Run the probe's shell text through /bin/sh like an executor would. */
function runProbe(path: string, opts: Parameters<typeof fileStateCommand>[1] = {}) {
  const cmd = fileStateCommand(path, opts).text;
  const stdout = execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', cwd: dir });
  const r: RunResult = { rc: 0, stdout, stderr: '', durationMs: 0 };
  return parseFileState(path, r);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsplay-state-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('probeFileState on a real shell', () => {
  it('reports a missing path as absent', () => {
    expect(runProbe(join(dir, 'nope'), { content: true })).toEqual({ path: join(dir, 'nope'), exists: false, state: 'absent' });
  });

  it('keeps CRLF, NUL and a missing final newline byte for byte', () => {
    const p = join(dir, 'bytes');
    const bytes = Buffer.from('a\r\nb\0c\nno newline', 'latin1');
    writeFileSync(p, bytes);
    chmodSync(p, 0o640);
    const st = runProbe(p, { content: true });
    expect(st.state).toBe('file');
    expect(st.content?.equals(bytes)).toBe(true);
    expect(st.resolved?.mode).toBe('0640');
    expect(st.resolved?.size).toBe(bytes.length);
    expect(st.realPath).toBe(p);
  });

  it('reads an empty file as empty content (not absent)', () => {
    const p = join(dir, 'empty');
    writeFileSync(p, '');
    const st = runProbe(p, { content: true });
    expect(st.exists).toBe(true);
    expect(st.content?.length).toBe(0);
  });

  it('follows a symlink for content and realpath, and reports the link itself', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'x\n');
    const link = join(dir, 'link');
    symlinkSync('target', link);
    const st = runProbe(link, { content: true });
    expect(st.state).toBe('link');
    expect(st.linkTarget).toBe('target');
    expect(st.realPath).toBe(target);
    expect(st.resolved?.type).toBe('file');
    expect(st.content?.toString()).toBe('x\n');
  });

  it('reports a dangling symlink as existing without a resolved inode', () => {
    const link = join(dir, 'dangling');
    symlinkSync('/nonexistent/target', link);
    const st = runProbe(link, { content: true });
    expect(st.exists).toBe(true);
    expect(st.state).toBe('link');
    expect(st.resolved).toBeUndefined();
    expect(st.linkTarget).toBe('/nonexistent/target');
  });

  it('tells directories, hard links and emptiness apart', () => {
    const d = join(dir, 'd');
    mkdirSync(d);
    expect(runProbe(d, { emptiness: true })).toMatchObject({ state: 'directory', dirEmpty: true });
    writeFileSync(join(d, 'f'), '');
    linkSync(join(d, 'f'), join(d, 'g'));
    expect(runProbe(d, { emptiness: true }).dirEmpty).toBe(false);
    expect(runProbe(join(d, 'f')).state).toBe('hard');
  });

  it('reports children whose mode differs (file recurse)', () => {
    const d = join(dir, 'tree');
    mkdirSync(join(d, 'sub'), { recursive: true });
    chmodSync(join(d, 'sub'), 0o755);
    expect(runProbe(d, { children: { mode: '0755' } }).childrenDiffer).toBe(false);
    chmodSync(join(d, 'sub'), 0o700);
    expect(runProbe(d, { children: { mode: '0755' } }).childrenDiffer).toBe(true);
  });

  it('lists the distinct (type, mode) pairs below a directory (recursive symbolic modes)', () => {
    const d = join(dir, 'modes');
    mkdirSync(join(d, 'sub'), { recursive: true });
    chmodSync(join(d, 'sub'), 0o750);
    writeFileSync(join(d, 'a'), 'a');
    writeFileSync(join(d, 'b'), 'b');
    chmodSync(join(d, 'a'), 0o4755);
    chmodSync(join(d, 'b'), 0o640);
    const pairs = runProbe(d, { childModes: true }).childModes ?? [];
    expect(pairs.map((p) => `${p.type} ${p.mode}`).sort()).toEqual(['d 0750', 'f 0640', 'f 4755']);
  });

  it('never executes a hostile file name', () => {
    const evil = join(dir, "x'; touch pwned; echo '$(touch pwned2)`touch pwned3`\nline");
    writeFileSync(evil, 'safe');
    const st = runProbe(evil, { content: true });
    expect(st.content?.toString()).toBe('safe');
    for (const f of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(join(dir, f))).toBe(false);
  });

  it('resolves the realpath of a file that is no symlink as readlink -f does: through symlinked parents, odd names, a parent whose real name has a newline', () => {
    const real = join(dir, 'real dir');
    mkdirSync(real);
    symlinkSync(real, join(dir, 'via'));
    const odd = "it's $x `y`";
    writeFileSync(join(real, odd), 'z');
    const viaLink = join(dir, 'via', odd);
    const readlinkF = (p: string) => execFileSync('readlink', ['-f', '--', p], { encoding: 'utf8' }).replace(/\n$/, '');
    const st = runProbe(viaLink, { content: true });
    expect(st.state).toBe('file');
    expect(st.realPath).toBe(readlinkF(viaLink));
    expect(st.realPath).toBe(join(real, odd));
    expect(st.resolved).toEqual(st.self);
    // one stat and shell builtins for a path that is no symlink: no readlink, no second stat
    const out = execFileSync('/bin/sh', ['-c', fileStateCommand(viaLink).text], { encoding: 'utf8' });
    expect(
      out
        .split('\n')
        .filter((l) => /^[lsSrR]( |$)/.test(l))
        .map((l) => l[0]),
    ).toEqual(['l', 'S', 'R']);
    // a directory too, and a path the builtins cannot take as written (. and .. segments, relative)
    expect(runProbe(join(dir, 'via')).realPath).toBe(real);
    expect(runProbe(join(dir, 'via', '..', 'via', odd)).realPath).toBe(join(real, odd));
    expect(runProbe(join(dir, 'via', '.', odd)).realPath).toBe(join(real, odd));
    const nl = join(dir, 'new\nline');
    mkdirSync(nl);
    symlinkSync(nl, join(dir, 'nlink'));
    writeFileSync(join(nl, 'f'), 'q');
    expect(runProbe(join(dir, 'nlink', 'f')).realPath).toBe(join(nl, 'f'));
  });

  it('uses a stable key per path', () => {
    expect(probeFileState('/etc/hosts').key).toBe('file:/etc/hosts');
    expect(probeFileState('/etc/hosts', { key: 'dest' }).key).toBe('dest');
  });
});
