import type { TsplayError } from '../errors.js';

/** Ansible's documented exit codes. */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  HOST_FAILED: 2,
  UNREACHABLE: 3,
  VALIDATION: 4,
  USAGE: 5,
  INTERRUPTED: 99,
} as const;

export function exitCodeFor(e: TsplayError): number {
  switch (e.code) {
    case 'VALIDATION':
    case 'PARSE':
    case 'TEMPLATE':
    case 'EXPRESSION':
    case 'VAULT':
      return EXIT.VALIDATION;
    case 'USAGE':
    case 'HISTORY':
      return EXIT.USAGE;
    case 'CONNECTION':
      return EXIT.UNREACHABLE;
    case 'INTERRUPTED':
      return EXIT.INTERRUPTED;
    case 'INTERNAL':
    case 'NO_HOSTS': // ansible-playbook's plain ERROR! exit status
      return EXIT.INTERNAL;
    default:
      return EXIT.HOST_FAILED;
  }
}
