/**
 * The dashboard: a hash router over three views (jobs list, job page, submit form). Each view
 * renders into #view and returns a cleanup function that stops its timers and streams.
 */
import { ApiError, api, downloadModel, followEvents, getKey, setKey } from './api.js';
import { EpochChart } from './charts.js';
import { EXAMPLES, formatJob } from './examples.js';

/** The formats of GET /v1/jobs/{id}/model, as the download menu offers them. */
const DOWNLOAD_FORMATS = [
  ['safetensors', 'Weights (safetensors)'],
  ['json', 'Weights (JSON)'],
  ['onnx', 'Model (ONNX)'],
];

const view = document.getElementById('view');
let cleanup = () => {};

/** Builds an element: `h('td', {class: 'x'}, 'text', child)`. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...children.filter((c) => c !== null && c !== undefined));
  return el;
}

const fmt = (v, digits = 4) => (typeof v === 'number' ? Number(v.toPrecision(digits)).toString() : '–');
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
const badge = (status) => h('span', { class: `badge ${status}`, 'data-testid': 'status' }, status);

function errorBox(err) {
  const box = h('div', { class: 'error', role: 'alert' });
  if (err instanceof ApiError && err.status === 401) {
    box.append('This API needs a key: paste it at the top right and press Save.');
  } else box.append(err.message ?? String(err));
  return box;
}

// ---- Jobs list -------------------------------------------------------------------------------

function jobsView() {
  const body = h('tbody');
  const notice = h('div');
  view.replaceChildren(
    h(
      'section',
      {},
      h(
        'div',
        { class: 'row' },
        h('h1', {}, 'Jobs'),
        h('a', { class: 'button', href: '#/submit' }, 'New job'),
      ),
      notice,
      h(
        'table',
        { class: 'jobs', 'data-testid': 'jobs-table' },
        h(
          'thead',
          {},
          h('tr', {}, ...['Job', 'Name', 'Status', 'Progress', 'Loss', 'Created'].map((t) => h('th', {}, t))),
        ),
        body,
      ),
    ),
  );
  const controller = new AbortController();
  const refresh = async () => {
    try {
      const page = await api('/v1/jobs?limit=50', { signal: controller.signal });
      notice.replaceChildren();
      body.replaceChildren(
        ...page.data.map((job) =>
          h(
            'tr',
            { 'data-job-id': job.id },
            h('td', {}, h('a', { href: `#/jobs/${job.id}` }, job.id)),
            h('td', {}, job.name ?? ''),
            h('td', {}, badge(job.status)),
            h(
              'td',
              {},
              h('progress', { max: job.progress.epochs, value: job.progress.epoch }),
              ` ${job.progress.epoch}/${job.progress.epochs}`,
            ),
            h('td', {}, fmt(job.metrics?.loss)),
            h('td', {}, when(job.created_at)),
          ),
        ),
      );
      if (page.data.length === 0) {
        body.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No jobs yet.')));
      }
    } catch (err) {
      if (!controller.signal.aborted) notice.replaceChildren(errorBox(err));
    }
  };
  void refresh();
  const timer = setInterval(refresh, 2000);
  return () => {
    clearInterval(timer);
    controller.abort();
  };
}

// ---- Job page --------------------------------------------------------------------------------

function jobView(id) {
  const controller = new AbortController();
  const status = h('span', {}, badge('…'));
  const connection = h('span', { class: 'muted', 'data-testid': 'connection' }, 'connecting');
  const cancelButton = h('button', { class: 'danger', 'data-testid': 'cancel', disabled: true }, 'Cancel');
  const downloadButton = h('button', { 'data-testid': 'download', disabled: true }, 'Download');
  const downloadFormat = h(
    'select',
    { 'data-testid': 'download-format', 'aria-label': 'Download format', disabled: true },
    ...DOWNLOAD_FORMATS.map(([value, label]) => h('option', { value }, label)),
  );
  const epochBar = h('progress', { max: 1, value: 0, 'data-testid': 'epoch-progress' });
  const epochText = h('span', {}, '');
  const stepBar = h('progress', { max: 1, value: 0 });
  const stepText = h('span', { class: 'muted' }, '');
  const finalBox = h('div', { 'data-testid': 'final' });
  const notice = h('div');
  const title = h('h1', {}, id);
  const specBox = h('pre', { class: 'spec' });
  const chartBoxes = {
    loss: h('div', { class: 'chart', 'data-testid': 'loss-chart' }),
    accuracy: h('div', { class: 'chart', 'data-testid': 'accuracy-chart', hidden: true }),
    lr: h('div', { class: 'chart', 'data-testid': 'lr-chart' }),
  };

  view.replaceChildren(
    h(
      'section',
      {},
      h('p', {}, h('a', { href: '#/' }, '← all jobs')),
      h('div', { class: 'row' }, title, status, connection),
      h('div', { class: 'actions' }, cancelButton, downloadFormat, downloadButton),
      notice,
      h(
        'div',
        { class: 'progress' },
        h('label', {}, 'Epoch ', epochBar, ' ', epochText),
        h('label', {}, 'Step ', stepBar, ' ', stepText),
      ),
      h('div', { class: 'charts' }, chartBoxes.loss, chartBoxes.accuracy, chartBoxes.lr),
      h('h2', {}, 'Final metrics'),
      finalBox,
      h('details', {}, h('summary', {}, 'Spec'), specBox),
    ),
  );

  const charts = {
    loss: new EpochChart(chartBoxes.loss, {
      title: 'Loss',
      series: [
        { key: 'loss', label: 'loss' },
        { key: 'val_loss', label: 'val_loss' },
      ],
    }),
    accuracy: new EpochChart(chartBoxes.accuracy, {
      title: 'Accuracy',
      series: [
        { key: 'accuracy', label: 'accuracy' },
        { key: 'val_accuracy', label: 'val_accuracy' },
      ],
    }),
    lr: new EpochChart(chartBoxes.lr, { title: 'Learning rate', series: [{ key: 'lr', label: 'lr' }] }),
  };

  let job = null;
  const showStatus = (s) => {
    status.replaceChildren(badge(s));
    cancelButton.disabled = !(s === 'queued' || s === 'running');
    downloadButton.disabled = s !== 'succeeded';
    downloadFormat.disabled = s !== 'succeeded';
  };
  const showFinal = (j) => {
    const m = j.metrics;
    const rows = [
      ['status', j.status],
      ['epochs', `${j.progress.epoch}/${j.progress.epochs}`],
      ['started', when(j.started_at)],
      ['finished', when(j.finished_at)],
      ...(m ? Object.entries(m).map(([k, v]) => [k, fmt(v, 6)]) : []),
      ...(j.error ? [['error', `${j.error.code}: ${j.error.message}`]] : []),
    ];
    finalBox.replaceChildren(
      h('table', { class: 'kv' }, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))),
    );
  };
  const showEpoch = (epoch, epochs) => {
    epochBar.max = epochs;
    epochBar.value = epoch;
    epochText.textContent = `${epoch}/${epochs}`;
  };

  cancelButton.addEventListener('click', async () => {
    cancelButton.disabled = true;
    try {
      await api(`/v1/jobs/${id}/cancel`, { method: 'POST' });
    } catch (err) {
      notice.replaceChildren(errorBox(err));
    }
  });
  downloadButton.addEventListener('click', async () => {
    try {
      await downloadModel(id, downloadFormat.value);
    } catch (err) {
      notice.replaceChildren(errorBox(err));
    }
  });

  (async () => {
    try {
      job = await api(`/v1/jobs/${id}`, { signal: controller.signal });
      title.textContent = job.name ? `${job.name} · ${job.id}` : job.id;
      specBox.textContent = JSON.stringify(job.spec, null, 2);
      showStatus(job.status);
      showEpoch(job.progress.epoch, job.progress.epochs);
      showFinal(job);
      const onConnection = (state) => {
        connection.textContent = state;
      };
      for await (const event of followEvents(id, { signal: controller.signal, onConnection })) {
        const data = event.data;
        if (event.event === 'status') showStatus(data.status);
        else if (event.event === 'progress') {
          stepBar.max = data.steps;
          stepBar.value = data.step;
          stepText.textContent = `${data.step}/${data.steps} · loss ${fmt(data.loss)}`;
        } else if (event.event === 'epoch') {
          charts.loss.push(data.epoch, data);
          charts.accuracy.push(data.epoch, data);
          charts.lr.push(data.epoch, data);
          chartBoxes.accuracy.hidden = !charts.accuracy.has('accuracy');
          showEpoch(data.epoch, data.epochs);
          stepBar.value = stepBar.max;
          stepText.textContent = `loss ${fmt(data.loss)}`;
        } else if (event.event === 'done') {
          showStatus(data.status);
          connection.textContent = 'finished';
          job = await api(`/v1/jobs/${id}`, { signal: controller.signal });
          showFinal(job);
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) notice.replaceChildren(errorBox(err));
    }
  })();

  return () => {
    controller.abort();
    for (const chart of Object.values(charts)) chart.destroy();
  };
}

// ---- Submit form -----------------------------------------------------------------------------

/** "line 3, column 5" for a JSON.parse error, when the engine tells the position. */
function jsonErrorWhere(text, err) {
  const match = /position (\d+)/.exec(err.message);
  if (!match) return err.message;
  const before = text.slice(0, Number(match[1])).split('\n');
  return `${err.message} (line ${before.length}, column ${before.at(-1).length + 1})`;
}

function submitView() {
  const names = Object.keys(EXAMPLES);
  const picker = h('select', { 'data-testid': 'example' }, ...names.map((n) => h('option', { value: n }, n)));
  const editor = h('textarea', { spellcheck: 'false', 'data-testid': 'editor', rows: 28 });
  const errors = h('div', { 'data-testid': 'errors', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', 'data-testid': 'submit' }, 'Submit job');
  const format = h('button', { type: 'button', class: 'secondary' }, 'Format');
  editor.value = formatJob(EXAMPLES[names[0]]);

  const showErrors = (title, list = []) => {
    errors.replaceChildren(
      h(
        'div',
        { class: 'error', role: 'alert' },
        h('strong', {}, title),
        list.length > 0
          ? h('ul', {}, ...list.map((e) => h('li', {}, h('code', {}, e.path), ': ', e.message)))
          : null,
      ),
    );
  };
  const parse = () => {
    try {
      const value = JSON.parse(editor.value);
      errors.replaceChildren();
      editor.classList.remove('invalid');
      return value;
    } catch (err) {
      editor.classList.add('invalid');
      showErrors(`Not valid JSON: ${jsonErrorWhere(editor.value, err)}`);
      return undefined;
    }
  };
  picker.addEventListener('change', () => {
    editor.value = formatJob(EXAMPLES[picker.value]);
    parse();
  });
  editor.addEventListener('input', parse);
  format.addEventListener('click', () => {
    const value = parse();
    if (value !== undefined) editor.value = formatJob(value);
  });

  const form = h(
    'form',
    {
      class: 'submit',
      onsubmit: async (event) => {
        event.preventDefault();
        const body = parse();
        if (body === undefined) return;
        submit.disabled = true;
        try {
          const job = await api('/v1/jobs', { body });
          location.hash = `#/jobs/${job.id}`;
        } catch (err) {
          if (err instanceof ApiError && err.problem?.errors) showErrors(err.message, err.problem.errors);
          else errors.replaceChildren(errorBox(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('div', { class: 'row' }, h('h1', {}, 'New job'), h('label', {}, 'Example ', picker)),
    editor,
    errors,
    h('div', { class: 'actions' }, submit, format),
  );
  view.replaceChildren(form);
  return () => {};
}

// ---- Router and key form ---------------------------------------------------------------------

function route() {
  cleanup();
  const hash = location.hash || '#/';
  const job = /^#\/jobs\/([\w-]+)$/.exec(hash);
  document.querySelectorAll('[data-nav]').forEach((a) => {
    a.classList.toggle('active', (a.dataset.nav === 'submit') === (hash === '#/submit'));
  });
  if (job) cleanup = jobView(job[1]);
  else if (hash === '#/submit') cleanup = submitView();
  else cleanup = jobsView();
}

function keyForm() {
  const input = document.getElementById('api-key');
  const state = document.getElementById('key-state');
  const show = () => {
    state.textContent = getKey() ? 'key saved' : 'no key';
  };
  input.value = getKey();
  show();
  document.getElementById('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    setKey(input.value.trim());
    show();
    route();
  });
  document.getElementById('key-clear').addEventListener('click', () => {
    input.value = '';
    setKey('');
    show();
    route();
  });
}

keyForm();
window.addEventListener('hashchange', route);
route();
