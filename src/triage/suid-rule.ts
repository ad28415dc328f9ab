import { inTemp, inWebRoot, type ArtefactFinding, type ArtefactTree } from './artefact-model.js';
import { basenameOf } from './artefact-content.js';
import { findingFor, type TriageRuleMeta } from './triage-finding.js';

/**
 * NS-R15 — setuid/setgid files (NetScaler reference §7.6). Uses only metadata, so bodyfile
 * entries that were never collected are judged too. A setuid shell is the 2023–2025 root
 * backdoor (`cp /bin/sh /var/tmp/sh; chmod 4775`): COMPROMISE. Anything else outside the
 * allowlist is REVIEW. nshunt's "setuid changed after boot" needs the boot time, which the
 * tree does not carry; R18 covers time anomalies.
 */

export const SUID_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R15', title: 'SUID/SGID files' });

/**
 * Setuid files that ship with the firmware: NCSC-NL's `known_suid_binaries`
 * (NCSC-NL/citrix-2025 `disk-image-checks/checks.yaml`, commit 163831a, the list the reference's
 * R15 cites, including the `/var/...` copies it mentions). It spans NetScaler (FreeBSD) and SDX
 * (Linux) paths, as NCSC shipped it.
 */
export const KNOWN_SETUID: ReadonlySet<string> = new Set([
  '/bin/mount', '/bin/ping', '/bin/ping6', '/bin/su', '/bin/umount',
  '/lib64/dbus-1/dbus-daemon-launch-helper',
  '/netscaler/ping', '/netscaler/ping6', '/netscaler/traceroute', '/netscaler/traceroute6',
  '/opt/likewise/bin/ksu',
  '/sbin/mksnap_ffs', '/sbin/mount.nfs', '/sbin/mount.nfs4', '/sbin/pam_timestamp_check', '/sbin/poweroff', '/sbin/shutdown', '/sbin/umount.nfs', '/sbin/umount.nfs4', '/sbin/unix_chkpwd',
  '/usr/bin/at', '/usr/bin/atq', '/usr/bin/atrm', '/usr/bin/chage', '/usr/bin/chfn', '/usr/bin/chsh', '/usr/bin/crontab', '/usr/bin/gpasswd', '/usr/bin/lock', '/usr/bin/login', '/usr/bin/newgrp', '/usr/bin/passwd', '/usr/bin/sg', '/usr/bin/staprun', '/usr/bin/su', '/usr/bin/sudo', '/usr/bin/sudoedit', '/usr/bin/yppasswd',
  '/usr/libexec/openssh/ssh-keysign', '/usr/libexec/ssh-keysign',
  '/usr/sbin/ping6', '/usr/sbin/userhelper', '/usr/sbin/usernetctl',
  '/var/netscaler/ping', '/var/netscaler/ping6', '/var/netscaler/traceroute', '/var/netscaler/traceroute6',
  '/var/sbin/mksnap_ffs', '/var/sbin/shutdown', '/var/sbin/poweroff',
  '/var/usr/bin/crontab', '/var/usr/bin/lock', '/var/usr/bin/login', '/var/usr/bin/passwd', '/var/usr/bin/su',
  '/var/usr/libexec/ssh-keysign',
]);

/**
 * Setgid files that ship with the firmware: NCSC-NL's `known_guid_binaries` (same file and
 * commit), with the three non-binaries the reference names (`/var/run/nsprofmgmt.pid`,
 * `/var/run/nsmap.pid`, `/var/configd_devno`).
 */
export const KNOWN_SETGID: ReadonlySet<string> = new Set([
  '/usr/bin/netstat', '/usr/bin/wall', '/usr/bin/write',
  '/var/usr/bin/netstat', '/var/usr/bin/wall', '/var/usr/bin/write',
  '/var/run/nsprofmgmt.pid', '/var/run/nsmap.pid', '/var/configd_devno',
]);

const SHELLS = new Set(['sh', 'bash', 'csh', 'tcsh', 'zsh', 'ksh']);

const SETUID = 0o4000;
const SETGID = 0o2000;

export async function findSuidFiles(tree: ArtefactTree): Promise<ArtefactFinding[]> {
  const findings: ArtefactFinding[] = [];
  for (const file of tree.files) {
    if (file.mode === null) continue;
    const setuid = (file.mode & SETUID) !== 0 && !KNOWN_SETUID.has(file.path);
    const setgid = (file.mode & SETGID) !== 0 && !KNOWN_SETGID.has(file.path);
    if (!setuid && !setgid) continue;
    const mode = (file.mode & 0o7777).toString(8).padStart(4, '0');
    const bits = [setuid ? 'setuid' : '', setgid ? 'setgid' : ''].filter((b) => b !== '').join('+');
    const owner = file.owner === null ? 'unknown owner' : `owner ${file.owner}`;
    const excerpt = `${file.path} mode ${mode} ${owner}`;
    const shell = basenameOf(file.path);
    if ((file.mode & SETUID) !== 0 && SHELLS.has(shell)) {
      findings.push(
        findingFor(SUID_RULE, file, {
          verdict: 'COMPROMISE',
          confidence: 'high',
          rationale: `setuid shell '${shell}' (mode ${mode}, ${owner}): anyone who can run it gets the owner's privileges — the root backdoor left after the NetScaler exploits`,
          excerpt,
        }),
      );
      continue;
    }
    const where = inTemp(file.path) ? ' in a temp folder' : inWebRoot(file.path) ? ' in a web root' : '';
    findings.push(
      findingFor(SUID_RULE, file, {
        verdict: 'REVIEW',
        confidence: where === '' ? 'medium' : 'high',
        rationale: `${bits} file${where} not on the firmware allowlist (mode ${mode}, ${owner}): a possible privilege-escalation backdoor`,
        excerpt,
      }),
    );
  }
  return findings;
}
