/** Regenerates apps/control-plane/schema.gql from the code-first resolvers. */
import { writeFile } from 'node:fs/promises';
import { printControlPlaneSchema, SCHEMA_FILE } from './print-schema.js';

await writeFile(SCHEMA_FILE, await printControlPlaneSchema());
console.log(`wrote ${SCHEMA_FILE}`);
