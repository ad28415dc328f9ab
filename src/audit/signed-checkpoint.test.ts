import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hasValidSignature, parseSignedNote, signCheckpoint } from './signed-checkpoint.js';

const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const root = new Uint8Array(32).fill(7);
const note = signCheckpoint({ origin: 'weerbaar/test', treeSize: 42, rootHash: root }, 'weerbaar-audit', keys.privateKey, keys.publicKey);

function parsed(text: string) {
  const result = parseSignedNote(text);
  if (typeof result === 'string') throw new Error(result);
  return result;
}

describe('signed checkpoint notes', () => {
  it('follow the C2SP layout: origin, size, base64 root, blank line, em-dash signature line', () => {
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual(['weerbaar/test', '42', Buffer.from(root).toString('base64'), '']);
    expect(lines[4]).toMatch(/^\u2014 weerbaar-audit [A-Za-z0-9+/]+=*$/);
    // 4-byte key id + 64-byte Ed25519 signature
    expect(Buffer.from(lines[4]?.split(' ')[2] ?? '', 'base64')).toHaveLength(68);
  });

  it('verify with the signing key and no other', () => {
    expect(hasValidSignature(parsed(note), 'weerbaar-audit', keys.publicKey)).toBe(true);
    expect(hasValidSignature(parsed(note), 'weerbaar-audit', other.publicKey)).toBe(false);
    expect(hasValidSignature(parsed(note), 'another-name', keys.publicKey)).toBe(false);
  });

  it('fail when any byte of the body changes', () => {
    const forged = note.replace('\n42\n', '\n43\n');
    expect(hasValidSignature(parsed(forged), 'weerbaar-audit', keys.publicKey)).toBe(false);
  });

  it('ignore signatures from unknown keys but still require ours', () => {
    const foreign = signCheckpoint({ origin: 'weerbaar/test', treeSize: 42, rootHash: root }, 'witness', other.privateKey, other.publicKey);
    const both = `${note}${foreign.split('\n\n')[1] ?? ''}`;
    expect(parsed(both).signatures).toHaveLength(2);
    expect(hasValidSignature(parsed(both), 'weerbaar-audit', keys.publicKey)).toBe(true);
    expect(hasValidSignature(parsed(foreign), 'weerbaar-audit', keys.publicKey)).toBe(false);
  });

  it.each([
    ['no blank line', 'weerbaar/test\n42\nAAAA\n'],
    ['a non-decimal size', note.replace('\n42\n', '\n0x2a\n')],
    ['a short root', note.replace(Buffer.from(root).toString('base64'), 'AAAA')],
    ['four body lines', note.replace('\n42\n', '\n42\nextra\n')],
    ['a malformed signature line', note.replace('\u2014 ', '- ')],
  ])('reject %s', (_case, text) => {
    expect(typeof parseSignedNote(text)).toBe('string');
  });
});
