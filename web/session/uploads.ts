// An upload into the session with its progress and error, for the Files tab and for a drop anywhere on the page.
import { signal } from '@preact/signals'
import type { FileView } from '../lib/types.ts'
import { uploadFile } from './files.ts'

export class Uploads {
  readonly progress = signal<{ name: string; fraction: number } | null>(null)
  /** The server's (or the network's) refusal of the last upload, in its words. */
  readonly error = signal<string | null>(null)

  constructor(
    private readonly sessionId: string,
    private readonly added: (f: FileView) => void,
  ) {}

  /** The stored file, or null when it failed (the error says why). */
  async start(file: File): Promise<FileView | null> {
    this.error.value = null
    this.progress.value = { name: file.name, fraction: 0 }
    try {
      const f = await uploadFile(
        this.sessionId,
        file,
        (fraction) => (this.progress.value = { name: file.name, fraction }),
      )
      this.added(f)
      return f
    } catch (err) {
      this.error.value = (err as Error).message
      return null
    } finally {
      this.progress.value = null
    }
  }
}
