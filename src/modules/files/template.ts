import { z } from 'zod';
import { defineModule } from '../types.js';
import type { FileState } from './state.js';
import { attrArgs, bool, failedPlan, modeOrPreserveArg, probed, validateProblem, withAliases } from './common.js';
import { planPutFile, putFileProbes } from './copy.js';

const schema = z
  .object({
    src: z.string().min(1),
    dest: z.string().min(1),
    force: bool.default(true),
    backup: bool.default(false),
    follow: bool.default(false).describe("a dest that is a symlink: write through it (true) or replace it by a regular file (false, Ansible's default)"),
    validate: z.string().optional(),
    trim_blocks: bool.default(true),
    lstrip_blocks: bool.default(false),
    newline_sequence: z.enum(['\n', '\r', '\r\n', '\\n', '\\r', '\\r\\n']).default('\n'),
    output_encoding: z.enum(['utf-8', 'utf8', 'UTF-8']).default('utf-8').describe('only utf-8 is supported'),
    ...attrArgs,
    mode: modeOrPreserveArg.optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const v = validateProblem(a.validate);
    if (v) ctx.addIssue({ code: 'custom', message: v, path: ['validate'] });
  });

export type TemplateArgs = z.infer<typeof schema>;

/**
 * Ansible's template: Jinja2 as ansible-core renders it (trim_blocks on, trailing newlines kept,
 * `#jinja2:` overrides, include/import from the template's search path); `.hbs` files are
 * handlebars. src is looked up in the role's templates/ dir. Same write/diff/backup rules as copy.
 */
export const template = defineModule<TemplateArgs>({
  name: 'template',
  factsFree: true,
  description: 'Render a Jinja2 template (or a .hbs handlebars one) from templates/ to a file on the host (mode/owner/group, backup, validate)',
  args: withAliases({}, schema) as unknown as z.ZodType<TemplateArgs>,
  probes: (a) => putFileProbes(a.dest, a.src),
  plan: (a, ctx) => {
    if (a.mode === 'preserve' && !ctx.controllerFileMode) return failedPlan('mode: preserve needs the template file, which this run cannot stat');
    const nl = a.newline_sequence.replace(/\\r/g, '\r').replace(/\\n/g, '\n');
    const rendered = ctx.renderTemplateFile(a.src, { trimBlocks: a.trim_blocks, lstripBlocks: a.lstrip_blocks, newlineSequence: nl, dest: a.dest });
    return planPutFile(
      {
        dest: a.dest,
        content: Buffer.from(rendered, 'utf8'),
        force: a.force,
        backup: a.backup,
        validate: a.validate,
        follow: a.follow,
        want: { mode: a.mode === 'preserve' ? ctx.controllerFileMode?.(a.src, 'templates') : a.mode, owner: a.owner, group: a.group },
        result: { src: a.src },
      },
      {
        dest: probed<FileState>(ctx.probed, 'dest'),
        parent: ctx.probed.parent as FileState | undefined,
        destInDir: ctx.probed.dest_in_dir as FileState | undefined,
      },
      a.src,
      ctx,
    );
  },
});
