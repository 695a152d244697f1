// File edge: atomic writes (temp file, fsync, rename) and root-prefixed paths.

import { mkdir, readFile, rm, copyFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export { underRoot } from '../model/paths.js';

export async function readTextIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function writeAtomic(file: string, content: string, mode: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, content, { mode, fsync: true });
}

export async function removeIfExists(file: string): Promise<void> {
  await rm(file, { force: true });
}

export async function backupFile(file: string): Promise<string> {
  const backup = `${file}.eni-agent.bak`;
  await copyFile(file, backup);
  return backup;
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
