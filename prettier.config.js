// Prettier's options for this repository: the same JSON constant the generator formats
// generated projects with (src/generator/prettier-options.json), so there is one style.
import { readFileSync } from 'node:fs';

export default JSON.parse(
  readFileSync(new URL('./src/generator/prettier-options.json', import.meta.url), 'utf8'),
);
