import crypto from 'node:crypto';

/** A secret handed to a person (cookie, emailed link, calendar URL): 32 random bytes. */
export const newSecret = (): string => crypto.randomBytes(32).toString('base64url');

/** What is stored of a secret: a leaked table opens nothing (the secrets are random, no salt needed). */
export const hashSecret = (secret: string): string => crypto.createHash('sha256').update(secret).digest('hex');
