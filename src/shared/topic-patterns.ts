// Topic patterns, as the daemon's event bus reads them: `*` is every topic, `prefix.*` every topic
// under `prefix.` (at any depth), anything else one exact topic; a comma-separated list matches
// what any of its patterns matches. The one language of every destination's filter and of the
// log's `topic` query. A pattern that can match no topic the daemon publishes (`tunnel`,
// `Tunnel.*`) is refused with a suggestion, so no filter silently drops everything. Pure.

import { MAX_TOPIC_LENGTH } from './events';
import { isKnownTopic, KNOWN_TOPICS, OPEN_NAMESPACES, TEST_TOPIC } from './known-topics';

/** A filter list longer than this is a mistake (the daemon has a few dozen topics in all). */
export const MAX_TOPIC_FILTERS = 100;

/** The pattern that matches every topic. */
export const ALL_TOPICS = '*';

/** Characters of a topic segment: the daemon's topics are dotted names like `plugin.x-y.panic`. */
const SEGMENT = /^[A-Za-z0-9_:@/-]+$/;

/** Why the pattern is not one the bus would understand, or null when it is fine. */
export function checkTopicPattern(pattern: string): string | null {
  if (pattern === ALL_TOPICS) return null;
  if (pattern.length === 0) return 'a topic pattern must not be empty';
  if (pattern.length > MAX_TOPIC_LENGTH) return `a topic pattern is at most ${MAX_TOPIC_LENGTH} characters`;
  const segments = pattern.split('.');
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    const s = segments[i]!;
    if (s === '*' && i === last && i > 0) continue;
    if (s.includes('*')) return `"${pattern}": "*" may only stand alone or as the last part, as in tunnel.*`;
    if (!SEGMENT.test(s)) return `"${pattern}": each dotted part needs letters, digits or _ : @ / -`;
  }
  return null;
}

/** `*` matches every topic, `prefix.*` every topic under `prefix.`, anything else exactly. */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === ALL_TOPICS) return true;
  if (pattern.endsWith('.*')) return topic.startsWith(pattern.slice(0, -1));
  return pattern === topic;
}

/** The delivery filter: an empty list (or one holding `*`) lets every topic through. */
export function passesTopicFilters(filters: readonly string[], topic: string): boolean {
  return filters.length === 0 || filters.some((p) => topicMatches(p, topic));
}

/** Checks a whole filter list; returns the first problem or null. */
export function checkTopicFilters(filters: readonly unknown[]): string | null {
  if (filters.length > MAX_TOPIC_FILTERS) return `at most ${MAX_TOPIC_FILTERS} topic patterns`;
  for (const p of filters) {
    if (typeof p !== 'string') return 'topic patterns must be strings';
    const problem = checkTopicPattern(p);
    if (problem) return problem;
  }
  return null;
}

/** Trims, drops empties and repeats: what the user meant by a comma-separated field. */
export function normaliseTopicFilters(filters: readonly string[]): string[] {
  return [...new Set(filters.map((f) => f.trim()).filter((f) => f !== ''))];
}

/** A comma-separated field (`tunnel.*, handshake.*`) as its list of patterns. */
export function parseTopicList(text: string): string[] {
  return normaliseTopicFilters(text.split(','));
}

/** True when the pattern can match at least one topic the daemon publishes (or the test topic). */
export function matchesSomeKnownTopic(pattern: string): boolean {
  if (pattern === ALL_TOPICS) return true;
  if (!pattern.endsWith('.*')) return isKnownTopic(pattern) || pattern === TEST_TOPIC;
  const prefix = pattern.slice(0, -1);
  // Under an open namespace (`policy.*`, `plugin.x.*`) or a namespace of one (`policy.*` itself).
  if (OPEN_NAMESPACES.some((ns) => prefix.startsWith(ns) || ns.startsWith(prefix))) return true;
  return KNOWN_TOPICS.some((t) => t.startsWith(prefix)) || TEST_TOPIC.startsWith(prefix);
}

/** A known pattern the user probably meant (`tunnel` → `tunnel.*`, `Tunnel.*` → `tunnel.*`), or null. */
function suggestionFor(pattern: string): string | null {
  const candidates = [pattern, `${pattern}.*`, pattern.toLowerCase(), `${pattern.toLowerCase()}.*`];
  return candidates.find((c) => c !== pattern && checkTopicPattern(c) === null && matchesSomeKnownTopic(c)) ?? null;
}

/** Why a well-formed pattern is refused (it matches no topic the daemon publishes), or null. */
export function unknownTopicProblem(pattern: string): string | null {
  if (matchesSomeKnownTopic(pattern)) return null;
  const hint = suggestionFor(pattern);
  return `"${pattern}" matches no topic the daemon publishes${hint ? `: did you mean ${hint}?` : ' (topics look like tunnel.established; tunnel.* for a group)'}`;
}

/**
 * Checks a filter list the user is about to save: shape first, then that every pattern matches
 * some known topic. Returns the first problem or null.
 */
export function checkTopicFiltersToSave(filters: readonly unknown[]): string | null {
  const shape = checkTopicFilters(filters);
  if (shape) return shape;
  for (const p of filters as string[]) {
    const problem = unknownTopicProblem(p);
    if (problem) return problem;
  }
  return null;
}
