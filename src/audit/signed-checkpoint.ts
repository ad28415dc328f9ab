import { type KeyObject, createHash, sign, verify } from 'node:crypto';

/**
 * Checkpoints as C2SP signed notes (tlog-checkpoint over signed-note): three body lines — origin,
 * tree size in decimal, base64 root hash — a blank line, then one signature line per signer:
 * `— <key name> <base64(4-byte key id || Ed25519 signature)>`. The format is the transparency-log
 * community's, so a witness or an outside verifier can check our checkpoints with their tools.
 */

export interface Checkpoint {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
}

export interface SignedNote {
  readonly checkpoint: Checkpoint;
  readonly body: string;
  readonly signatures: readonly { keyName: string; keyId: Uint8Array; signature: Uint8Array }[];
}

const SIGNATURE_PREFIX = '\u2014 ';

export function checkpointBody(checkpoint: Checkpoint): string {
  return `${checkpoint.origin}\n${checkpoint.treeSize}\n${Buffer.from(checkpoint.rootHash).toString('base64')}\n`;
}

/** C2SP signed-note key id for Ed25519: SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
export function ed25519KeyId(keyName: string, publicKey: KeyObject): Uint8Array {
  const raw = rawEd25519PublicKey(publicKey);
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(keyName, 'utf8'), Buffer.from([0x0a, 0x01]), raw]))
    .digest()
    .subarray(0, 4);
}

export function signCheckpoint(checkpoint: Checkpoint, keyName: string, privateKey: KeyObject, publicKey: KeyObject): string {
  if (/[\s+]/.test(keyName) || keyName.length === 0) throw new TypeError('a key name must be non-empty without spaces or "+"');
  const body = checkpointBody(checkpoint);
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  const blob = Buffer.concat([ed25519KeyId(keyName, publicKey), signature]).toString('base64');
  return `${body}\n${SIGNATURE_PREFIX}${keyName} ${blob}\n`;
}

/** Parses a signed checkpoint note; returns a reason string when it is malformed. */
export function parseSignedNote(text: string): SignedNote | string {
  const split = text.indexOf('\n\n');
  if (split < 0) return 'no blank line between the note body and its signatures';
  const body = text.slice(0, split + 1);
  const lines = body.split('\n');
  if (lines.length !== 4 || lines[3] !== '') return 'the note body must have exactly three lines (origin, size, root)';
  const [origin = '', sizeText = '', rootText = ''] = lines;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) return `tree size "${sizeText}" is not a decimal number`;
  const rootHash = Buffer.from(rootText, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== rootText) return 'the root hash is not 32 bytes of base64';
  const signatures: { keyName: string; keyId: Uint8Array; signature: Uint8Array }[] = [];
  for (const line of text.slice(split + 2).split('\n')) {
    if (line === '') continue;
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) return `malformed signature line "${line}"`;
    const blob = Buffer.from(match[2] ?? '', 'base64');
    if (blob.length < 5) return 'a signature is too short';
    signatures.push({ keyName: match[1] ?? '', keyId: blob.subarray(0, 4), signature: blob.subarray(4) });
  }
  return { checkpoint: { origin, treeSize: Number(sizeText), rootHash }, body, signatures };
}

/** True when the note carries a valid signature by this key; unknown signers are ignored, as C2SP requires. */
export function hasValidSignature(note: SignedNote, keyName: string, publicKey: KeyObject): boolean {
  const keyId = Buffer.from(ed25519KeyId(keyName, publicKey));
  return note.signatures.some(
    (s) =>
      s.keyName === keyName &&
      keyId.equals(Buffer.from(s.keyId)) &&
      s.signature.length === 64 &&
      verify(null, Buffer.from(note.body, 'utf8'), publicKey, s.signature),
  );
}

function rawEd25519PublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) throw new TypeError('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url');
}
