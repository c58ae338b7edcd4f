/**
 * multipart/form-data → the shared artifact store, streamed with busboy: the file is
 * never held whole in memory, and any API or worker instance can read it afterwards.
 */
import busboy from 'busboy';
import type { Request } from 'express';
import { ApiError, fail } from '../shared/errors.ts';
import type { ArtifactInfo, ArtifactStore } from '../shared/jobs/artifacts.ts';

export interface Upload {
  /** The form's text fields. */
  fields: Record<string, string>;
  file: ArtifactInfo;
}

export async function receiveUpload(req: Request, store: ArtifactStore, opts: { fileField?: string; maxBytes?: number } = {}): Promise<Upload> {
  const type = req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) {
    throw fail('VALIDATION_ERROR', 'Send the file as multipart/form-data');
  }
  const fileField = opts.fileField ?? 'file';
  return new Promise<Upload>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 50, fieldSize: 64 * 1024 } });
    } catch (e) {
      reject(fail('VALIDATION_ERROR', `Malformed multipart body: ${(e as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let stored: Promise<ArtifactInfo> | undefined;
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    let failed = false;
    let fileStream: NodeJS.ReadableStream & { destroy(e?: Error): void } | undefined;
    const abort = (e: unknown) => {
      if (failed) return;
      failed = true;
      const err = e instanceof ApiError ? e : fail('VALIDATION_ERROR', `Malformed multipart body: ${(e as Error).message}`);
      // End the store's read of the file too, or its transaction would wait forever.
      fileStream?.destroy(err);
      req.unpipe(bb);
      req.resume();
      reject(err);
    };
    bb.on('file', (name, stream, info) => {
      // A body cut short errors this stream; unhandled, that would crash the process.
      stream.on('error', abort);
      if (name !== fileField || stored) {
        stream.resume();
        return;
      }
      fileStream = stream;
      stored = store.writeInput({ filename: info.filename || 'upload', contentType: info.mimeType || 'application/octet-stream' }, stream, opts.maxBytes);
      stored.catch((e) => {
        stream.resume();
        abort(e);
      });
    });
    bb.on('error', abort);
    bb.on('close', () => {
      if (failed) return;
      if (!stored) return abort(fail('VALIDATION_ERROR', `Missing the '${fileField}' file field`));
      stored.then((file) => resolve({ fields, file }), abort);
    });
    req.on('error', abort);
    req.pipe(bb);
  });
}
