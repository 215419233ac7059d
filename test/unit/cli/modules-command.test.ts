import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';

async function run(args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const io: Io = { out: (t) => void (text += t), err: (t) => void (text += t), isTTY: false };
  const code = await main(args, io);
  return { code, text };
}

describe('tsplay modules', () => {
  it('list: core modules and the Wallarm package, each with where it comes from', async () => {
    const r = await run(['modules', 'list']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/^NAME +FROM +DESCRIPTION$/m);
    expect(r.text).toMatch(/^lineinfile +core +Ensure a line/m);
    expect(r.text).toMatch(/^nginx_upstream +core /m);
    expect(r.text).toMatch(/^wallarm_install +wallarm +Download the Wallarm/m);
  });

  it('show: arguments with type/choices, default, required, aliases, description, and the return values', async () => {
    const r = await run(['modules', 'show', 'wallarm_install']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/^wallarm_install \(from plugin wallarm\)$/m);
    expect(r.text).toMatch(/^ARGUMENT +TYPE +DEFAULT +REQUIRED +ALIASES +DESCRIPTION$/m);
    expect(r.text).toMatch(/^component +"postanalytics"\|"filtering"\|"all" +yes$/m);
    expect(r.text).toMatch(/^cloud +"US"\|"EU"\|"ME" +"EU" +no$/m);
    expect(r.text).toMatch(/^RETURNS +DESCRIPTION\nversion +the version installed/m);

    const up = await run(['modules', 'show', 'ansible.builtin.nginx_upstream']);
    expect(up.text).toMatch(/^directive +string +no +a directive of http \{\} that names the upstream/m);
    expect(up.text).toMatch(/^server_params +string\[\] +\[\] +no/m);
  });

  it('show: argument aliases come from the schema; command documents its return values', async () => {
    const f = await run(['modules', 'show', 'file']);
    expect(f.text).toMatch(/^path +string +yes +dest, name\b/m);
    const r = await run(['modules', 'show', 'command']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/^RETURNS +DESCRIPTION$/m);
    expect(r.text).toMatch(/^stdout_lines +stdout split into lines$/m);
  });

  it('show: an unknown name is a usage error with a suggestion', async () => {
    const r = await run(['modules', 'show', 'lineinfle']);
    expect(r.code).toBe(5);
    expect(r.text).toMatch(/no module named "lineinfle"/);
    expect(r.text).toMatch(/lineinfile/);
  });
});
