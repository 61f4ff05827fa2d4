// Shared by the lesson end-to-end tests (lessons.test.mjs in the page's own
// broker, lessons_room.test.mjs on a room of a real broker): how they find a
// lesson and read what it shows.

/** The CSS selector of lesson `id`'s section. */
export const L = (id) => `.ls-lesson[data-lesson="${id}"]`;

/** What each of the current lesson's clients received so far: { client: ["topic=payload", ...] }. */
export function lessonReceived(page) {
  return page.evaluate(() => {
    const out = {};
    for (const m of window.mqttlab.lessons.current.watch.messages) (out[m.client] ??= []).push(`${m.topic}=${m.payload}${m.retain ? ' (retained)' : ''}`);
    return out;
  });
}

/** [published, received] from the row of `topic` in lesson `id`'s table of topics. */
export function topicCounts(page, id, topic) {
  return page.$eval(`${L(id)} tr[data-topic="${topic}"]`, (tr) => [
    tr.querySelector('[data-published]').textContent, tr.querySelector('[data-received]').textContent]);
}
