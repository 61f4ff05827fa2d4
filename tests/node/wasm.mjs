// Loads the wasm package built into www/pkg (by ./scripts/build) for Node tests.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pkg from '../../www/pkg/mqtt_lab.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
pkg.initSync({ module: fs.readFileSync(path.join(root, 'www/pkg/mqtt_lab_bg.wasm')) });

export const lab = pkg;
export { root };
