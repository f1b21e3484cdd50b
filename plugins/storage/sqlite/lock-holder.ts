import { readFile, stat } from 'node:fs/promises';

/** Where SQLite's WAL write lock lives: one byte at this offset of the database's -shm file. */
const WAL_WRITE_LOCK_OFFSET = 120;

const POSIX_WRITE_LOCK = /^\d+:\s+POSIX\s+ADVISORY\s+WRITE\s+(\d+)\s+\S+:(\d+)\s+(\d+)\s+(\d+|EOF)$/;

/**
 * Who holds the write lock of the WAL database `file`, as far as the operating system tells:
 * SQLite does not say, but on Linux /proc/locks lists the process holding the byte-range lock
 * on the -shm file. Each holder as "process PID (command line)"; empty where nothing tells.
 */
export async function writeLockHolders(file: string): Promise<string[]> {
  try {
    const inode = String((await stat(`${file}-shm`)).ino);
    const pids = (await readFile('/proc/locks', 'utf8'))
      .split('\n')
      .map((line) => POSIX_WRITE_LOCK.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null && m[2] === inode && Number(m[3]) <= WAL_WRITE_LOCK_OFFSET && (m[4] === 'EOF' || Number(m[4]) >= WAL_WRITE_LOCK_OFFSET))
      .map((m) => m[1]);
    return await Promise.all(
      [...new Set(pids)].map(async (pid) => {
        const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        const shown = command.split('\0').join(' ').trim();
        return `process ${pid}${shown === '' ? '' : ` (${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown})`}`;
      }),
    );
  } catch {
    return [];
  }
}
