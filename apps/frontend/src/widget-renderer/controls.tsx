/**
 * Buttons and form fields. Fields are controlled but follow the server: when a re-rendered widget brings a new
 * `defaultValue`, the field takes it; otherwise what the user typed stays (live refreshes must not wipe a question).
 * A control whose action runs is marked `aria-disabled` (it keeps focus) and shows a spinner.
 */
import { type ChangeEvent, type MouseEvent, useContext, useState } from 'react';
import { glyph, iconName } from './icons';
import { actionOf, humanize, num, str } from './props';
import type { NodeProps } from './render-node';
import { FormContext, fieldId, type Runtime, useAction, useRuntime } from './runtime';

export function Spinner() {
  return <span className="ck-spinner" aria-hidden="true" />;
}

/** Local state that resets whenever the server's default changes. */
function useServerValue<T>(serverValue: T): [T, (value: T) => void] {
  const [state, setState] = useState({ value: serverValue, from: serverValue });
  if (!Object.is(state.from, serverValue)) {
    const next = { value: serverValue, from: serverValue };
    setState(next);
    return [next.value, (value) => setState({ value, from: serverValue })];
  }
  return [state.value, (value) => setState({ value, from: serverValue })];
}

function fieldName(node: NodeProps['node']): string {
  return str(node.name) ?? '';
}

/**
 * Screen-reader name of a field without a visible label: its placeholder, else its name in words. A field that a
 * `Label` names keeps that visible name (no `aria-label`).
 */
function fieldLabel(node: NodeProps['node'], runtime: Runtime): string | undefined {
  const name = fieldName(node);
  if (name && runtime.labelled.has(name)) return undefined;
  return str(node.ariaLabel) ?? str(node.placeholder) ?? humanize(name || node.type);
}

function controlClass(base: string, node: NodeProps['node']): string {
  return [
    base,
    `${base}--${str(node.variant) ?? 'outline'}`,
    `ck-size--${str(node.size) ?? 'md'}`,
    node.pill === true ? 'ck-pill' : '',
    node.block === true ? 'ck-block' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export function ButtonNode({ node }: NodeProps) {
  const { run, pending, disabled } = useAction();
  const inForm = useContext(FormContext) !== null;
  const action = actionOf(node.onClickAction);
  const label = str(node.label);
  const submit = node.submit === true && inForm;
  const off = node.disabled === true;
  const colorName = str(node.color) ?? (str(node.style) === 'secondary' ? 'secondary' : 'primary');
  const name = label
    ? undefined
    : (iconName(node.iconStart ?? node.iconEnd) ?? (action ? humanize(action.type) : 'Button'));
  const onClick = (event: MouseEvent<HTMLButtonElement>) => {
    if (disabled || off) {
      event.preventDefault();
      return;
    }
    if (!submit && action) void run(action);
  };
  const start = glyph(node.iconStart);
  const end = glyph(node.iconEnd);
  return (
    <button
      type={submit ? 'submit' : 'button'}
      className={[
        'ck-btn',
        `ck-btn--${str(node.variant) ?? 'solid'}`,
        `ck-size--${str(node.size) ?? 'md'}`,
        node.pill === true ? 'ck-pill' : '',
        node.block === true ? 'ck-block' : '',
        node.uniform === true || !label ? 'ck-btn--uniform' : '',
      ]
        .filter(Boolean)
        .join(' ')}
      data-color={colorName}
      disabled={off}
      aria-disabled={(!off && disabled) || undefined}
      aria-busy={pending || undefined}
      aria-label={name}
      onClick={onClick}
    >
      {pending ? <Spinner /> : start && <span aria-hidden="true">{start}</span>}
      {label && <span>{label}</span>}
      {end && <span aria-hidden="true">{end}</span>}
    </button>
  );
}

export function SelectNode({ node }: NodeProps) {
  const runtime = useRuntime();
  const { run, pending, disabled } = useAction();
  const name = fieldName(node);
  const options = Array.isArray(node.options) ? (node.options as Array<Record<string, unknown>>) : [];
  const [value, setValue] = useServerValue(str(node.defaultValue) ?? '');
  const action = actionOf(node.onChangeAction);
  const placeholder = str(node.placeholder);
  const onChange = (event: ChangeEvent<HTMLSelectElement>) => {
    if (disabled) return;
    const next = event.target.value;
    setValue(next);
    if (action && name) void run(action, { [name]: next });
  };
  return (
    <span className={`ck-select-wrap${node.block === true ? ' ck-block' : ''}`}>
      <select
        id={name ? fieldId(runtime, name) : undefined}
        className={controlClass('ck-select', node)}
        name={name || undefined}
        value={value}
        aria-label={fieldLabel(node, runtime)}
        aria-disabled={disabled || undefined}
        aria-busy={pending || undefined}
        disabled={node.disabled === true}
        onChange={onChange}
      >
        {(placeholder || !value) && (
          <option value="" disabled>
            {placeholder ?? 'Choose…'}
          </option>
        )}
        {options.map((option) => {
          const optionValue = str(option.value) ?? '';
          return (
            <option key={optionValue} value={optionValue} disabled={option.disabled === true}>
              {str(option.label) ?? optionValue}
            </option>
          );
        })}
      </select>
      {pending && <Spinner />}
    </span>
  );
}

export function CheckboxNode({ node }: NodeProps) {
  const runtime = useRuntime();
  const { run, pending, disabled } = useAction();
  const name = fieldName(node);
  const [checked, setChecked] = useServerValue(node.defaultChecked === true);
  const action = actionOf(node.onChangeAction);
  const label = str(node.label);
  const onChange = (event: ChangeEvent<HTMLInputElement>) => {
    if (disabled) return;
    const next = event.target.checked;
    setChecked(next);
    if (action && name) void run(action, { [name]: next });
  };
  return (
    <label className="ck-checkbox">
      <input
        type="checkbox"
        id={name ? fieldId(runtime, name) : undefined}
        name={name || undefined}
        checked={checked}
        required={node.required === true}
        disabled={node.disabled === true}
        aria-disabled={disabled || undefined}
        aria-label={label ? undefined : fieldLabel(node, runtime)}
        onChange={onChange}
      />
      {label && <span>{label}</span>}
      {pending && <Spinner />}
    </label>
  );
}

export function TextareaNode({ node }: NodeProps) {
  const runtime = useRuntime();
  const { disabled } = useAction();
  const name = fieldName(node);
  const [value, setValue] = useServerValue(str(node.defaultValue) ?? '');
  const rows = num(node.rows) ?? 3;
  const maxRows = num(node.maxRows);
  return (
    <textarea
      id={name ? fieldId(runtime, name) : undefined}
      className={`${controlClass('ck-input', node)}${node.autoResize === true ? ' ck-autoresize' : ''}`}
      name={name || undefined}
      value={value}
      rows={rows}
      placeholder={str(node.placeholder)}
      aria-label={fieldLabel(node, runtime)}
      required={node.required === true}
      disabled={node.disabled === true}
      readOnly={disabled}
      // biome-ignore lint/a11y/noAutofocus: the widget asks for it (e.g. a question box that just opened)
      autoFocus={node.autoFocus === true}
      style={maxRows ? { maxHeight: `${maxRows * 1.5 + 1}em` } : undefined}
      onChange={(event) => setValue(event.target.value)}
    />
  );
}

export function InputNode({ node }: NodeProps) {
  const runtime = useRuntime();
  const { disabled } = useAction();
  const name = fieldName(node);
  const [value, setValue] = useServerValue(str(node.defaultValue) ?? '');
  return (
    <input
      id={name ? fieldId(runtime, name) : undefined}
      className={controlClass('ck-input', node)}
      type={str(node.inputType) ?? 'text'}
      name={name || undefined}
      value={value}
      placeholder={str(node.placeholder)}
      pattern={str(node.pattern)}
      aria-label={fieldLabel(node, runtime)}
      required={node.required === true}
      disabled={node.disabled === true}
      readOnly={disabled}
      // biome-ignore lint/a11y/noAutofocus: the widget asks for it
      autoFocus={node.autoFocus === true}
      onChange={(event) => setValue(event.target.value)}
    />
  );
}

export function DatePickerNode({ node }: NodeProps) {
  const runtime = useRuntime();
  const { run, disabled } = useAction();
  const name = fieldName(node);
  const [value, setValue] = useServerValue((str(node.defaultValue) ?? '').slice(0, 10));
  const action = actionOf(node.onChangeAction);
  return (
    <input
      type="date"
      id={name ? fieldId(runtime, name) : undefined}
      className={controlClass('ck-input', node)}
      name={name || undefined}
      value={value}
      min={str(node.min)?.slice(0, 10)}
      max={str(node.max)?.slice(0, 10)}
      aria-label={fieldLabel(node, runtime)}
      disabled={node.disabled === true}
      readOnly={disabled}
      onChange={(event) => {
        setValue(event.target.value);
        if (action && name && !disabled) void run(action, { [name]: event.target.value });
      }}
    />
  );
}

export function RadioGroupNode({ node }: NodeProps) {
  const { run, disabled } = useAction();
  const name = fieldName(node);
  const options = Array.isArray(node.options) ? (node.options as Array<Record<string, unknown>>) : [];
  const [value, setValue] = useServerValue(str(node.defaultValue) ?? '');
  const action = actionOf(node.onChangeAction);
  return (
    <div
      role="radiogroup"
      aria-label={str(node.ariaLabel) ?? humanize(name || 'Options')}
      className={`ck-radiogroup${str(node.direction) === 'row' ? ' ck-radiogroup--row' : ''}`}
    >
      {options.map((option) => {
        const optionValue = str(option.value) ?? '';
        return (
          <label key={optionValue} className="ck-checkbox">
            <input
              type="radio"
              name={name || undefined}
              value={optionValue}
              checked={value === optionValue}
              required={node.required === true}
              disabled={node.disabled === true || option.disabled === true}
              onChange={() => {
                if (disabled) return;
                setValue(optionValue);
                if (action && name) void run(action, { [name]: optionValue });
              }}
            />
            <span>{str(option.label) ?? optionValue}</span>
          </label>
        );
      })}
    </div>
  );
}
