// Constants shared by the robustness server (server.ts, urls.ts) and the tests that check
// what it issues; importing them starts nothing.

/** The server's SECRET_KEY: the tests verify the signed values it sets with it. */
export const ROBUSTNESS_SECRET_KEY = 'robustness-suite-secret-key-not-for-production';

/** Salt of the `sig` signed cookie (`setSignedCookie('sig', v, { salt })`). */
export const SIG_SALT = 'robustness';
