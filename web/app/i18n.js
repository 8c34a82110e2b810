// Every UI string comes from this catalogue; dates, numbers and plurals go through Intl.
// A test (tests/e2e) checks that every key exists in every language.
export const catalogue = {
  en: {
    'app.name': 'Trailpack',
    'nav.home': 'My courses',
    'status.saved_all': 'All saved on this device',
    'status.synced_at': 'Synced {time}',
    'status.waiting': { one: '{count} answer waiting to sync', other: '{count} answers waiting to sync' },
    'status.syncing': 'Syncing…',
    'status.offline': 'Offline — answers are kept on this device',
    'status.never_synced': 'Not synced yet',
    'status.signed_out': 'Signed out — enroll again to sync',
    'action.sync_now': 'Sync now',
    'enroll.title': 'Welcome to Trailpack',
    'enroll.intro': 'Enter the enrollment code your training team gave you. You need a connection once; after that, your courses work offline.',
    'enroll.code': 'Enrollment code',
    'enroll.submit': 'Enroll this device',
    'enroll.working': 'Enrolling…',
    'enroll.failed': 'Enrollment failed: {message}',
    'home.title': 'My courses',
    'home.empty': 'No courses on this device yet.',
    'home.download': 'Download courses',
    'home.downloading': 'Downloading {done} of {total}…',
    'home.continue': 'Continue',
    'home.start': 'Start',
    'home.review': 'Review',
    'home.completed': 'Completed',
    'home.progress': '{percent} done',
    'home.storage': 'Storage: {used} used of {quota}',
    'home.storage_protected': 'Protected from automatic clearing',
    'home.storage_unprotected': 'The browser may clear this storage when space runs low',
    'course.locked': 'Locked',
    'course.done': 'Done',
    'course.todo': 'To do',
    'course.in_progress': 'In progress',
    'course.back': 'Back to my courses',
    'course.completed': 'Course completed',
    'lock.previous_item': 'Finish the previous step first',
    'lock.previous_module': 'Finish the previous module first',
    'lock.module_locked': 'This module is not open yet',
    'lock.prerequisite': 'Complete “{name}” first',
    'card.done': 'Mark as done and continue',
    'card.next': 'Continue',
    'quiz.question_of': 'Question {n} of {total}',
    'quiz.check': 'Check answer',
    'quiz.next': 'Next question',
    'quiz.previous': 'Previous question',
    'quiz.finish': 'See my result',
    'quiz.correct': 'Correct',
    'quiz.incorrect': 'Not quite',
    'quiz.partial': 'Partly right',
    'quiz.answered': 'Answer recorded',
    'quiz.saved': 'Saved on this device',
    'quiz.synced': 'Synced',
    'quiz.pick_one': 'Choose one answer',
    'quiz.pick_many': 'Choose all that apply',
    'quiz.type_answer': 'Your answer',
    'quiz.order_hint': 'Put the items in order',
    'quiz.move_up': 'Move up',
    'quiz.move_down': 'Move down',
    'quiz.match_hint': 'Match each item',
    'quiz.choose': 'Choose…',
    'quiz.result': 'Your score: {score}',
    'quiz.passed': 'Passed — well done!',
    'quiz.failed': 'Not passed yet (pass mark {mark})',
    'quiz.attempts_left': { one: '{count} attempt left', other: '{count} attempts left' },
    'quiz.retry': 'Try again',
    'quiz.no_attempts': 'No attempts left',
    'quiz.true': 'True',
    'quiz.false': 'False',
    'error.generic': 'Something went wrong: {message}',
    'error.storage_full': 'This device is out of storage. Free some space; nothing already saved was lost.',
    'error.profile_busy': 'Trailpack is already open in another tab. Use that tab, or close it and reload.',
    'update.ready': 'A new version of Trailpack is ready.',
    'update.reload': 'Reload',
  },
  fr: {
    'app.name': 'Trailpack',
    'nav.home': 'Mes formations',
    'status.saved_all': 'Tout est enregistré sur cet appareil',
    'status.synced_at': 'Synchronisé {time}',
    'status.waiting': { one: '{count} réponse en attente de synchronisation', other: '{count} réponses en attente de synchronisation' },
    'status.syncing': 'Synchronisation…',
    'status.offline': 'Hors ligne — les réponses restent sur cet appareil',
    'status.never_synced': 'Pas encore synchronisé',
    'status.signed_out': 'Déconnecté — inscrivez à nouveau l’appareil pour synchroniser',
    'action.sync_now': 'Synchroniser',
    'enroll.title': 'Bienvenue sur Trailpack',
    'enroll.intro': 'Saisissez le code d’inscription fourni par votre équipe formation. Une connexion est nécessaire une fois ; ensuite, vos formations fonctionnent hors ligne.',
    'enroll.code': 'Code d’inscription',
    'enroll.submit': 'Inscrire cet appareil',
    'enroll.working': 'Inscription…',
    'enroll.failed': 'L’inscription a échoué : {message}',
    'home.title': 'Mes formations',
    'home.empty': 'Aucune formation sur cet appareil pour l’instant.',
    'home.download': 'Télécharger les formations',
    'home.downloading': 'Téléchargement {done} sur {total}…',
    'home.continue': 'Reprendre',
    'home.start': 'Commencer',
    'home.review': 'Revoir',
    'home.completed': 'Terminée',
    'home.progress': '{percent} réalisé',
    'home.storage': 'Stockage : {used} utilisés sur {quota}',
    'home.storage_protected': 'Protégé contre l’effacement automatique',
    'home.storage_unprotected': 'Le navigateur peut effacer ce stockage si l’espace manque',
    'course.locked': 'Verrouillé',
    'course.done': 'Fait',
    'course.todo': 'À faire',
    'course.in_progress': 'En cours',
    'course.back': 'Retour à mes formations',
    'course.completed': 'Formation terminée',
    'lock.previous_item': 'Terminez d’abord l’étape précédente',
    'lock.previous_module': 'Terminez d’abord le module précédent',
    'lock.module_locked': 'Ce module n’est pas encore ouvert',
    'lock.prerequisite': 'Terminez d’abord « {name} »',
    'card.done': 'Marquer comme fait et continuer',
    'card.next': 'Continuer',
    'quiz.question_of': 'Question {n} sur {total}',
    'quiz.check': 'Valider la réponse',
    'quiz.next': 'Question suivante',
    'quiz.previous': 'Question précédente',
    'quiz.finish': 'Voir mon résultat',
    'quiz.correct': 'Correct',
    'quiz.incorrect': 'Pas tout à fait',
    'quiz.partial': 'En partie juste',
    'quiz.answered': 'Réponse enregistrée',
    'quiz.saved': 'Enregistré sur cet appareil',
    'quiz.synced': 'Synchronisé',
    'quiz.pick_one': 'Choisissez une réponse',
    'quiz.pick_many': 'Choisissez toutes les bonnes réponses',
    'quiz.type_answer': 'Votre réponse',
    'quiz.order_hint': 'Remettez les éléments dans l’ordre',
    'quiz.move_up': 'Monter',
    'quiz.move_down': 'Descendre',
    'quiz.match_hint': 'Associez chaque élément',
    'quiz.choose': 'Choisir…',
    'quiz.result': 'Votre score : {score}',
    'quiz.passed': 'Réussi — bravo !',
    'quiz.failed': 'Pas encore réussi (seuil {mark})',
    'quiz.attempts_left': { one: '{count} tentative restante', other: '{count} tentatives restantes' },
    'quiz.retry': 'Réessayer',
    'quiz.no_attempts': 'Plus de tentative',
    'quiz.true': 'Vrai',
    'quiz.false': 'Faux',
    'error.generic': 'Une erreur est survenue : {message}',
    'error.storage_full': 'Cet appareil n’a plus d’espace de stockage. Libérez de la place ; rien de ce qui était enregistré n’a été perdu.',
    'error.profile_busy': 'Trailpack est déjà ouvert dans un autre onglet. Utilisez cet onglet, ou fermez-le et rechargez.',
    'update.ready': 'Une nouvelle version de Trailpack est prête.',
    'update.reload': 'Recharger',
  },
};

let lang = 'en';

export function setLanguage(requested) {
  const base = String(requested || 'en').toLowerCase().split('-')[0];
  lang = catalogue[base] ? base : 'en';
  document.documentElement.lang = lang;
  document.documentElement.dir = ['ar', 'he', 'fa', 'ur'].includes(base) ? 'rtl' : 'ltr';
  return lang;
}

export function language() { return lang; }

export function t(key, params = {}) {
  let entry = catalogue[lang][key] ?? catalogue.en[key];
  if (entry === undefined) return key;
  if (typeof entry === 'object') entry = entry[new Intl.PluralRules(lang).select(params.count ?? 0)] ?? entry.other;
  return entry.replace(/\{(\w+)\}/g, (_, k) => (params[k] !== undefined ? String(params[k]) : ''));
}

export const fmt = {
  percent: (x) => new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(x),
  number: (x) => new Intl.NumberFormat(lang).format(x),
  bytes: (n) => {
    const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return new Intl.NumberFormat(lang, { style: 'unit', unit: units[i], unitDisplay: 'short', maximumFractionDigits: 1 }).format(n);
  },
  relative: (ms) => {
    const diff = (ms - Date.now()) / 1000;
    const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
    const abs = Math.abs(diff);
    if (abs < 60) return rtf.format(Math.round(diff), 'second');
    if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
    if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
    return rtf.format(Math.round(diff / 86400), 'day');
  },
  date: (ms) => new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(new Date(ms)),
};
