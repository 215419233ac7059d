import { describe, expect, it } from 'vitest';
import { shouldRunTags } from '../../../src/engine/tags.js';

describe('tag selection (Ansible rules)', () => {
  it.each([
    [[], {}, true],
    [['web'], { only: ['web'] }, true],
    [['db'], { only: ['web'] }, false],
    [[], { only: ['web'] }, false],
    [['always'], { only: ['web'] }, true],
    [['never'], {}, false],
    [['never', 'debug'], { only: ['debug'] }, true],
    [['web'], { skip: ['web'] }, false],
    [['always'], { skip: ['always'] }, false],
    [['web'], { only: ['tagged'] }, true],
    [[], { only: ['untagged'] }, true],
    [['web'], { only: ['untagged'] }, false],
  ] as Array<[string[], { only?: string[]; skip?: string[] }, boolean]>)('tags %j with %j → %s', (tags, filter, expected) => {
    expect(shouldRunTags(tags, filter)).toBe(expected);
  });
});
