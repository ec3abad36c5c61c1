/** Tasks: GET /tasks (recent tasks, filterable, e.g. filter_property=id with many filter values) and GET /tasks/{id}. */
import { notFound } from './http-types';
import { listResponse } from './listing';
import { taskView } from './route-helpers';
import type { Route } from './router';

export const taskRoutes: Route[] = [
  {
    method: 'GET',
    template: '/tasks',
    auth: 'session',
    handler: (context) => {
      const tasks = context.state.tasks.all().map((task) => taskView(context, task));
      return {
        status: 200,
        body: listResponse(context.request, tasks, context.state.settings.defaultPageSize),
      };
    },
  },
  {
    method: 'GET',
    template: '/tasks/{task_id}',
    auth: 'session',
    handler: (context) => {
      const id = context.request.params['task_id'] ?? '';
      const task = context.state.tasks.get(id);
      if (!task) throw notFound('Task', id, 'TASK_NOT_FOUND');
      return { status: 200, body: taskView(context, task) };
    },
  },
];
