/**
 * Backends of the auth tests, named in AUTHENTICATION_BACKENDS as './backends.ts#Name'
 * (Django's auth_tests backends).
 */
import type { AuthenticationBackend, User } from '../../../../src/runtime/auth/index.js';
import { PermissionDenied } from '../../../../src/runtime/core/exceptions.js';

/** Django's `PermissionDeniedBackend`: stops every later backend. */
export class PermissionDeniedBackend implements AuthenticationBackend {
  async authenticate(): Promise<User | null> {
    throw new PermissionDenied();
  }

  async getUser(): Promise<User | null> {
    return null;
  }
}
