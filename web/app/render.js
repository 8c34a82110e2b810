// Renders course blocks (structured data from the bundle) into DOM nodes. No HTML from
// the bundle is ever parsed: text becomes text nodes, media comes from the verified
// file cache as blob URLs, links open outside the app.
import { h } from './dom.js';
import { t } from './i18n.js';

const MEDIA_CACHE = 'trailpack-media-v1';

export async function mediaUrl(manifest, path) {
  const file = manifest && manifest.files.find((f) => f.path === path);
  if (!file) return null;
  const cache = await caches.open(MEDIA_CACHE);
  const res = await cache.match('/_media/' + file.sha256);
  if (!res) return null;
  const type = path.endsWith('.svg') ? 'image/svg+xml' : path.endsWith('.png') ? 'image/png'
    : path.endsWith('.jpg') || path.endsWith('.jpeg') ? 'image/jpeg' : path.endsWith('.webp') ? 'image/webp'
    : path.endsWith('.mp4') ? 'video/mp4' : path.endsWith('.webm') ? 'video/webm' : path.endsWith('.mp3') ? 'audio/mpeg'
    : path.endsWith('.ogg') ? 'audio/ogg' : path.endsWith('.vtt') ? 'text/vtt' : 'application/octet-stream';
  return URL.createObjectURL(new Blob([await res.arrayBuffer()], { type }));
}

function spans(list) {
  return (list || []).map((s) => {
    if (s.style === 'strong') return h('strong', {}, s.text);
    if (s.style === 'em') return h('em', {}, s.text);
    if (s.style === 'code') return h('code', {}, s.text);
    if (s.style === 'link') return h('a', { href: s.href, target: '_blank', rel: 'noopener noreferrer' }, s.text);
    return s.text;
  });
}

export function renderBlocks(blocks, manifest) {
  return (blocks || []).map((b) => {
    switch (b.type) {
      case 'heading': return h('h' + Math.min(6, (b.level || 2) + 1), {}, spans(b.spans));
      case 'paragraph': return h('p', {}, spans(b.spans));
      case 'quote': return h('blockquote', {}, spans(b.spans));
      case 'list': return h(b.ordered ? 'ol' : 'ul', {}, b.items.map((it) => h('li', {}, spans(it))));
      case 'image': {
        const img = h('img', { alt: b.alt, loading: 'lazy' });
        // The blob: URL lives only until the picture is decoded: opened on its own (a new
        // tab), a blob: document runs in the app's origin without the app's CSP, and an
        // SVG from the course may carry scripts. Revoked, it opens nothing.
        const revoke = () => { if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src); };
        img.addEventListener('load', revoke);
        img.addEventListener('error', revoke);
        mediaUrl(manifest, b.src).then((u) => { if (u) img.src = u; });
        return h('figure', {}, img);
      }
      case 'audio':
      case 'video': {
        const el = h(b.type, { controls: true, preload: 'metadata', 'aria-label': b.alt });
        mediaUrl(manifest, b.src).then((u) => { if (u) el.src = u; });
        if (b.captions) {
          const track = h('track', { kind: 'captions', default: true, label: t('media.captions') });
          mediaUrl(manifest, b.captions).then((u) => { if (u) track.src = u; });
          el.append(track);
        }
        const fig = h('figure', {}, el, b.alt ? h('figcaption', {}, b.alt) : null);
        if (b.transcript) fig.append(h('details', {}, h('summary', {}, t('media.transcript')), h('p', {}, b.transcript)));
        return fig;
      }
      default: return null;
    }
  });
}
