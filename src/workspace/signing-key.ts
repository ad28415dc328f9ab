import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { WeerbaarError } from '../shared/errors.js';
import { describeFsError } from '../shared/text-input.js';

/**
 * The Ed25519 key that signs audit checkpoints. The private key is written with mode 0600 and
 * refused when group or others can read it (as ssh does): a readable key lets anyone forge a
 * checkpoint after rewriting history.
 */

export interface KeyPairFiles {
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
}

export async function createSigningKey(files: KeyPairFiles): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeFile(files.privateKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  await writeFile(files.publicKeyFile, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644, flag: 'wx' });
}

export async function loadSigningKey(file: string): Promise<KeyObject> {
  let mode: number;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch (error) {
    throw new WeerbaarError('CONFIG_INVALID', `signing key ${file} cannot be read: ${describeFsError(error)}`, { cause: error });
  }
  if ((mode & 0o077) !== 0) {
    throw new WeerbaarError(
      'CONFIG_INVALID',
      `signing key ${file} has mode 0${mode.toString(8)}; it must be readable by its owner only (chmod 600 ${file})`,
    );
  }
  try {
    const key = createPrivateKey(await readFile(file));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`key type is ${key.asymmetricKeyType}, expected ed25519`);
    return key;
  } catch (error) {
    throw new WeerbaarError('CONFIG_INVALID', `signing key ${file} is not an Ed25519 private key in PEM form`, { cause: error });
  }
}

export async function loadPublicKey(file: string): Promise<KeyObject> {
  try {
    const key = createPublicKey(await readFile(file));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`key type is ${key.asymmetricKeyType}, expected ed25519`);
    return key;
  } catch (error) {
    throw new WeerbaarError('CONFIG_INVALID', `public key ${file} is not an Ed25519 public key in PEM form: ${describeFsError(error)}`, {
      cause: error,
    });
  }
}
