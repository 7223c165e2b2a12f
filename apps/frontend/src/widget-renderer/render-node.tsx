/** One widget node → its React component; unknown types show a small placeholder instead of failing. */
import type { ComponentType } from 'react';
import type { WidgetNode } from '../chatkit/types';
import { ChartNode } from './chart-node';
import {
  ButtonNode,
  CheckboxNode,
  DatePickerNode,
  InputNode,
  RadioGroupNode,
  SelectNode,
  TextareaNode,
} from './controls';
import { BasicNode, BoxNode, CardNode, DividerNode, FormNode, SpacerNode, TableNode, TransitionNode } from './layout';
import { ListViewItemNode, ListViewNode } from './list-view';
import { BadgeNode, IconNode, ImageNode, LabelNode, MarkdownNode, TextNode } from './text';

export interface NodeProps {
  node: WidgetNode;
}

const COMPONENTS: Record<string, ComponentType<NodeProps>> = {
  Basic: BasicNode,
  Card: CardNode,
  ListView: ListViewNode,
  ListViewItem: ListViewItemNode,
  Box: BoxNode,
  Row: BoxNode,
  Col: BoxNode,
  Form: FormNode,
  Spacer: SpacerNode,
  Divider: DividerNode,
  Transition: TransitionNode,
  Table: TableNode,
  Text: TextNode,
  Title: TextNode,
  Caption: TextNode,
  Markdown: MarkdownNode,
  Badge: BadgeNode,
  Label: LabelNode,
  Icon: IconNode,
  Image: ImageNode,
  Button: ButtonNode,
  Select: SelectNode,
  Checkbox: CheckboxNode,
  Textarea: TextareaNode,
  Input: InputNode,
  RadioGroup: RadioGroupNode,
  DatePicker: DatePickerNode,
  Chart: ChartNode,
};

export function RenderNode({ node }: NodeProps) {
  const Component = COMPONENTS[node.type];
  if (!Component) {
    return (
      <div className="ck-unknown" role="note">
        Unsupported component: {node.type}
      </div>
    );
  }
  return <Component node={node} />;
}
