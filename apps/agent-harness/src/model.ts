import path from 'node:path';
import { z } from 'zod';
import { ModelName } from '@hive/protocol';
import { BadRequestError } from '@hive/http-edge';
import { readJsonFile, removeFile, writeJsonFile } from './state-files.js';

const OverrideFile = z.object({ model: ModelName });

/** The runtime model override, persisted in the agent's state dir so it survives a restart or rebuild. */
export class ModelStore {
  readonly file: string;
  #override: string | null;

  constructor(stateDir: string, public defaultModel: string) {
    this.file = path.join(stateDir, 'model-override.json');
    const parsed = OverrideFile.safeParse(readJsonFile(this.file));
    this.#override = parsed.success ? parsed.data.model : null;
  }

  /** The model the next turn uses: the override, else the config's model. */
  current(): string {
    return this.#override ?? this.defaultModel;
  }

  /** Whether an override is in force. */
  overridden(): boolean {
    return this.#override !== null;
  }

  /** Validates and persists a new model; choosing the config's model drops the override. */
  set(raw: unknown): string {
    const r = ModelName.safeParse(raw);
    if (!r.success) throw new BadRequestError(`invalid model: ${r.error.issues[0]?.message ?? 'bad value'}`);
    const model = r.data;
    if (model === this.defaultModel) removeFile(this.file);
    else writeJsonFile(this.file, { model, set_at: new Date().toISOString() });
    this.#override = model === this.defaultModel ? null : model;
    return model;
  }
}
