// API error codes in the user's language; the API's own (English) message is the fallback, so
// an error nobody translated yet is still shown, never swallowed.
import type { ErrorValue } from '../api';
import type { MessageKey, Translate } from '../i18n';

const CODES: Record<string, MessageKey> = {
  network: 'app.error.network',
  bad_response: 'app.error.badResponse',
  unauthenticated: 'app.error.unauthenticated',
  forbidden: 'error.forbidden',
  invalid_credentials: 'auth.error.invalid_credentials',
  account_disabled: 'auth.error.account_disabled',
  already_set_up: 'auth.error.already_set_up',
  password_change_required: 'auth.error.password_change_required',
};

export function errorMessage(error: ErrorValue, t: Translate, dateTime: (iso: string) => string): string {
  if (error.code === 'account_locked') {
    const until = /\d{4}-\d{2}-\d{2}T[\d:.]+Z/.exec(error.message)?.[0];
    return t('auth.error.account_locked', { until: until ? dateTime(until) : '' });
  }
  const key = CODES[error.code];
  return key ? t(key) : t('form.errorOther', { message: error.message });
}
