import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BLOCK_KEYWORDS, PLAY_KEYWORDS, ROLE_ENTRY_KEYWORDS, TASK_KEYWORDS } from '../../../src/config/schemas.js';
import {
  ansibleBoolSchema,
  applyKeywordsSchema,
  blockKeywordsSchema,
  importTasksKeywordsSchema,
  includeTasksKeywordsSchema,
  metaKeywordsSchema,
  playbookSchema,
  playKeywordsSchema,
  roleEntryKeywordsSchema,
  roleReferenceSchema,
  taskKeywordsSchema,
  varsPromptSchema,
} from '../../../src/config/keywords.js';

describe('keyword schemas', () => {
  it('are where the loader’s keyword lists come from', () => {
    expect(TASK_KEYWORDS).toEqual(Object.keys(taskKeywordsSchema.shape));
    expect(TASK_KEYWORDS).toContain('loop_control');
    expect(BLOCK_KEYWORDS).toContain('rescue');
    expect(PLAY_KEYWORDS).toContain('hosts');
    expect(ROLE_ENTRY_KEYWORDS).toContain('role');
    expect(TASK_KEYWORDS).not.toContain('hosts');
  });

  it('convert to JSON Schema with every keyword, its type and its description', () => {
    const task = z.toJSONSchema(taskKeywordsSchema) as { properties: Record<string, { description?: string; anyOf?: unknown[] }> };
    expect(Object.keys(task.properties)).toEqual([...TASK_KEYWORDS]);
    expect(task.properties.ignore_errors?.description).toBe('a failure does not stop the host');
    // ignore_errors takes a boolean or a template: both forms are in the schema
    expect(JSON.stringify(task.properties.ignore_errors)).toContain('"type":"boolean"');
    expect(JSON.stringify(task.properties.ignore_errors)).toContain('\\\\{\\\\{');
    const play = z.toJSONSchema(playKeywordsSchema) as { properties: Record<string, unknown> };
    expect(Object.keys(play.properties)).toEqual([...PLAY_KEYWORDS]);
    expect(JSON.stringify(play.properties.strategy)).toContain('"free"');
    for (const s of [
      blockKeywordsSchema,
      roleEntryKeywordsSchema,
      playbookSchema,
      applyKeywordsSchema,
      importTasksKeywordsSchema,
      includeTasksKeywordsSchema,
      metaKeywordsSchema,
      varsPromptSchema,
    ])
      expect(() => z.toJSONSchema(s)).not.toThrow();
    const ref = z.toJSONSchema(roleReferenceSchema) as { properties: Record<string, { description?: string }> };
    expect(Object.keys(ref.properties)).toEqual([
      'name',
      'role',
      'tasks_from',
      'vars_from',
      'defaults_from',
      'handlers_from',
      'public',
      'allow_duplicates',
      'rolespec_validate',
      'apply',
    ]);
    expect(ref.properties.tasks_from?.description).toMatch(/tasks\/ file/);
  });

  it('take Ansible’s booleans and templates where a boolean is typed, and nothing else', () => {
    for (const v of [true, 'yes', 'No', ' on ', 'y', 'T', 1, 0, 'false']) expect(ansibleBoolSchema.safeParse(v).success, String(v)).toBe(true);
    for (const v of ['maybe', 2, 'yess', null]) expect(ansibleBoolSchema.safeParse(v).success, String(v)).toBe(false);
    expect(taskKeywordsSchema.safeParse({ ignore_errors: '{{ ansible_check_mode }}' }).success).toBe(true);
    expect(taskKeywordsSchema.safeParse({ ignore_errors: 'sometimes' }).success).toBe(false);
    expect(playKeywordsSchema.safeParse({ hosts: 'all', strategy: 'lineer' }).success).toBe(false);
  });
});
