// A fast first paint: the learner's last screen rendered from data already on the device
// (a small snapshot in localStorage and course.json from the verified file cache) while
// the wasm engine starts. Everything is read-only until the engine is ready.
import { h, mount } from './dom.js';
import { t, fmt } from './i18n.js';
import { renderBlocks } from './render.js';

const MEDIA_CACHE = 'trailpack-media-v1';
const key = (profile) => 'trailpack.preview.' + profile;

export function savePreview(profile, snapshot) {
  try { localStorage.setItem(key(profile), JSON.stringify(snapshot)); } catch { /* quota: the preview is optional */ }
}

async function cachedCourse(manifest) {
  const f = manifest && manifest.files && manifest.files.find((x) => x.path === 'course.json');
  if (!f) return null;
  const res = await (await caches.open(MEDIA_CACHE)).match('/_media/' + f.sha256);
  return res ? res.json() : null;
}

/** Renders the snapshot for the current route; returns true when something was shown. */
export async function showPreview(profile, view) {
  let snap;
  try { snap = JSON.parse(localStorage.getItem(key(profile)) || 'null'); } catch { snap = null; }
  if (!snap) return false;
  const starting = () => h('button', { class: 'primary', disabled: true }, t('status.starting'));
  const hash = location.hash || '#/';
  if (snap.item && hash === snap.item.hash) {
    const course = await cachedCourse(snap.item.manifest);
    const item = course && course.modules.flatMap((m) => m.items).find((i) => i.id === snap.item.item_id);
    if (!item) return false;
    const blocks = item.type === 'card' ? renderBlocks(item.blocks, snap.item.manifest) : [];
    mount(view, h('article', { class: 'item-view', lang: course.language, dataset: { preview: 'true' } },
      h('h1', {}, item.title), ...blocks, h('div', { class: 'actions' }, starting())));
    return true;
  }
  if (snap.home && (hash === '#/' || hash === '#')) {
    mount(view, h('h1', {}, t('home.title')), h('ul', { class: 'course-list', dataset: { preview: 'true' } },
      snap.home.map((c) => h('li', { class: 'card course', lang: c.language },
        h('h2', {}, c.title),
        h('p', { class: 'meta' }, c.completed ? '✓ ' + t('home.completed') : t('home.progress', { percent: fmt.percent(c.completion) })),
        starting()))));
    return true;
  }
  return false;
}
