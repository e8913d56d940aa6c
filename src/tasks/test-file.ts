import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { checkInteger } from "../errors";

/** A file in the OS temp folder for the file-read experiments; remove() deletes it. */
export interface TestFile {
  readonly path: string;
  readonly bytes: number;
  remove(): Promise<void>;
}

/** Writes `bytes` random bytes to a new file in the OS temp folder. */
export async function makeTestFile(bytes: number): Promise<TestFile> {
  checkInteger("bytes", bytes, 0, 1024 ** 3, "pass a size in bytes up to 1 GiB");
  const file = path.join(tmpdir(), `conclab-${randomBytes(6).toString("hex")}.bin`);
  await writeFile(file, randomBytes(bytes));
  return { path: file, bytes, remove: () => rm(file, { force: true }) };
}
