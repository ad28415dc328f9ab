import type { AuditEntry } from '../audit/audit-entry.js';
import { type CheckpointResult, createCheckpoint } from '../audit/audit-checkpoint.js';
import { listAuditEntries } from '../audit/audit-log.js';
import { type AuditVerification, type CheckpointTrust, verifyAuditLog } from '../audit/audit-verify.js';
import { loadPublicKey, loadSigningKey } from '../workspace/signing-key.js';
import type { AppContext } from './app-context.js';

/** Reading, signing and verifying the audit log of a workspace. */

export const AUDIT_KEY_NAME = 'weerbaar-audit';

export async function auditTrust(app: AppContext): Promise<CheckpointTrust> {
  const { config } = app.workspace;
  return {
    origin: `weerbaar/${config.workspace_id}`,
    keyName: AUDIT_KEY_NAME,
    publicKey: await loadPublicKey(app.workspace.path(config.audit.public_key)),
    checkpointDir: app.workspace.path(config.audit.checkpoints),
  };
}

export async function auditLog(app: AppContext, options: { afterSeq?: number; limit?: number } = {}): Promise<AuditEntry[]> {
  return listAuditEntries(app.store.db, options);
}

export async function auditCheckpoint(app: AppContext): Promise<CheckpointResult> {
  const { config } = app.workspace;
  const trust = await auditTrust(app);
  return createCheckpoint(app.store.db, {
    ...trust,
    checkpointDir: app.workspace.path(config.audit.checkpoints),
    privateKey: await loadSigningKey(app.workspace.path(config.audit.signing_key)),
    clock: app.clock,
  });
}

export async function auditVerify(app: AppContext): Promise<AuditVerification> {
  return verifyAuditLog(app.store.db, await auditTrust(app));
}
