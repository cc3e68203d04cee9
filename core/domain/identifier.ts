// The one schema of an identifier (orders, lines, payments, events, entities, locations, rules,
// users): whatever other rules an id has, it is normalised to Unicode NFC and refuses what would
// make two ids look alike or the same id look different: control characters, format characters
// (zero-width spaces and joiners, bidirectional controls, the byte order mark, soft hyphens),
// line and paragraph separators, private-use and other invisible (default-ignorable) code points,
// and lone surrogates (which no UTF-8 file or database can hold faithfully). Re-importing a file
// with `W-1001` followed by U+200B used to add a second order that looked exactly like W-1001.
import { z } from 'zod';

/** Lone surrogates: half of a UTF-16 pair, not a character. */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Characters that do not show, or change how their neighbours show: control (Cc), format (Cf,
 * which holds the bidirectional controls and zero-width characters), line and paragraph
 * separators, private use, and every default-ignorable code point (Hangul fillers, variation
 * selectors, the combining grapheme joiner...).
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}]/u;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with an id's characters, or null (length and pattern aside). */
export function identifierCharacterProblem(value: string): string | null {
  const lone = LONE_SURROGATE.exec(value);
  if (lone) return `contains a lone surrogate (${codePoint(lone[0])}) at position ${lone.index + 1}: not a character`;
  const hidden = HIDDEN.exec(value);
  if (hidden) return `contains an invisible, control or bidirectional character (${codePoint(hidden[0])}) at position ${hidden.index + 1}`;
  return null;
}

export interface IdentifierRules {
  /** Longest id, in characters (code points), after NFC. */
  max: number;
  min?: number;
  /** A stricter format (ASCII codes), checked after NFC, with the message naming it. */
  pattern?: { re: RegExp; message: string };
  /** Remove surrounding spaces first (logins typed by people); else surrounding spaces are refused. */
  trim?: boolean;
  /** The issue code (default `invalid_id`). */
  code?: string;
}

/**
 * A zod schema for an identifier: a string, its characters checked, then normalised to NFC,
 * then its length and format checked. Every problem carries `params.code` for zodToIssues.
 */
export function identifier(rules: IdentifierRules) {
  const code = rules.code ?? 'invalid_id';
  const min = rules.min ?? 1;
  const base = rules.trim ? z.string().trim() : z.string();
  return base.transform((value, ctx) => {
    const problem = identifierCharacterProblem(value);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem, params: { code } });
      return z.NEVER;
    }
    const nfc = value.normalize('NFC');
    const length = [...nfc].length;
    if (length < min || length > rules.max) {
      ctx.addIssue({ code: 'custom', message: min > 1 ? `between ${min} and ${rules.max} characters` : `a non-empty id of at most ${rules.max} characters`, params: { code } });
    } else if (!rules.trim && /^\s|\s$/u.test(nfc)) {
      ctx.addIssue({ code: 'custom', message: 'an id must not begin or end with a space', params: { code } });
    } else if (rules.pattern && !rules.pattern.re.test(nfc)) {
      ctx.addIssue({ code: 'custom', message: rules.pattern.message, params: { code } });
    }
    return nfc;
  });
}

/** Ids from other systems (orders, lines, payments, events): any visible text, at most 128 characters. */
export const ExternalId = identifier({ max: 128 });

/** Ids Ventil's own registry gives (entities, locations, rules): letters, digits and _ . : - */
export const Code = identifier({
  max: 64,
  pattern: { re: /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, message: 'letters, digits, and _ . : - (at most 64, starting with a letter or digit)' },
});

/** Names that group entities (a region): visible text, at most 64 characters. */
export const GroupName = identifier({ max: 64 });
