import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PERMISSIONS, type AccountStore, type Authorization } from '../store/types.js';

export interface SetupResult {
  token: string;
  authorization: Authorization;
}

/** Creates an org, a user in it and an all-access token for that user. */
export async function setup(accounts: AccountStore, names: { org: string; user: string }): Promise<SetupResult> {
  const org = await accounts.createOrg(names.org);
  const user = await accounts.createUser(org.id, names.user);
  return accounts.createToken({ orgId: org.id, userId: user.id, description: 'all-access token from setup', permissions: [...PERMISSIONS] });
}

/** Writes the token readable by its owner only. */
export async function writeTokenFile(file: string, token: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}
