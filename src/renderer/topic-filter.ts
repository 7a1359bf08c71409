// The log's topic filter. Typing narrows as you type (a substring match); a `*` makes it a
// pattern over the whole topic, so `tunnel.*` means "every tunnel event" as in LogQuery.topic.

export type TopicTest = (topic: string) => boolean;

const REGEX_SPECIALS = /[.+?^${}()|[\]\\]/g;

export function topicFilter(input: string): TopicTest | null {
  const text = input.trim().toLowerCase();
  if (text === '') return null;
  if (!text.includes('*')) return (topic) => topic.toLowerCase().includes(text);
  const source = text.replace(REGEX_SPECIALS, '\\$&').replace(/\*/g, '.*');
  const pattern = new RegExp(`^${source}$`);
  return (topic) => pattern.test(topic.toLowerCase());
}
