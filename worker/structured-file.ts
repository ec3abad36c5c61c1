/**
 * Parses YAML or JSON by file extension. Problems carry the line and column but never quote the source: both
 * V8's and yaml's messages can include an excerpt, and the file may hold something secret.
 */
import path from 'node:path';
import { parseDocument } from 'yaml';

/** Parses `text` as JSON (.json) or YAML (.yaml, .yml; with `yamlByDefault`, any other extension too). */
export function parseYamlOrJson(
  file: string,
  text: string,
  options: { yamlByDefault?: boolean } = {},
): { value?: unknown; problems: string[] } {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.json') {
    try {
      return { value: JSON.parse(text) as unknown, problems: [] };
    } catch (error) {
      // V8 quotes part of the source in its message, which may be an inline password: keep only the position.
      const position = /position (\d+)/.exec(String(error))?.[1];
      if (position === undefined) return { problems: ['not valid JSON'] };
      const before = text.slice(0, Number(position)).split('\n');
      return {
        problems: [`not valid JSON at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`],
      };
    }
  }
  if (extension === '.yaml' || extension === '.yml' || options.yamlByDefault) {
    const document = parseDocument(text, { prettyErrors: false });
    if (document.errors.length > 0) {
      // yaml's messages can end with a source excerpt; keep the first line and the position only.
      return {
        problems: document.errors.map((error) => {
          const before = text.slice(0, error.pos[0]).split('\n');
          const where = `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
          return `not valid YAML at ${where}: ${error.message.split('\n')[0] ?? error.code}`;
        }),
      };
    }
    return { value: document.toJS() as unknown, problems: [] };
  }
  return { problems: [`unsupported extension ${JSON.stringify(extension)}: use .yaml, .yml or .json`] };
}
