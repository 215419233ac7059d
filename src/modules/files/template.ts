import { z } from 'zod';
import { defineModule } from '../types.js';
import type { FileState } from './state.js';
import { attrArgs, bool, probed, validateProblem, withAliases } from './common.js';
import { planPutFile, putFileProbes } from './copy.js';

const schema = z
  .object({
    src: z.string().min(1),
    dest: z.string().min(1),
    force: bool.default(true),
    backup: bool.default(false),
    validate: z.string().optional(),
    ...attrArgs,
  })
  .strict()
  .superRefine((a, ctx) => {
    const v = validateProblem(a.validate);
    if (v) ctx.addIssue({ code: 'custom', message: v, path: ['validate'] });
  });

export type TemplateArgs = z.infer<typeof schema>;

/**
 * Ansible's template with Handlebars instead of Jinja2 (a deliberate difference: `{{ var }}`, `{{#if}}`,
 * `{{#each}}`); src is looked up in the role's templates/ dir. Same write/diff/backup rules as copy.
 */
export const template = defineModule<TemplateArgs>({
  name: 'template',
  description: 'Render a Handlebars template from templates/ to a file on the host (mode/owner/group, backup, validate)',
  args: withAliases({}, schema) as unknown as z.ZodType<TemplateArgs>,
  probes: (a) => putFileProbes(a.dest, a.src),
  plan: (a, ctx) => {
    const text = ctx.readControllerFile(a.src, 'templates').toString('utf8');
    const rendered = ctx.renderTemplate(text);
    return planPutFile(
      {
        dest: a.dest,
        content: Buffer.from(rendered, 'utf8'),
        force: a.force,
        backup: a.backup,
        validate: a.validate,
        want: { mode: a.mode, owner: a.owner, group: a.group },
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
