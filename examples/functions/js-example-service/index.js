// A function for firehose's function runtime (seed 003's js-example-service).
// It gets a context: context.cloudevent (the event's attributes and its data), the HTTP
// request as the seed's runtime gave it (__ow_method, __ow_headers, __ow_path, __ow_query,
// __ow_body) and as method, headers, path, query, body. It returns nothing (no reply), data
// (the answer's body) or an event ({ type, source, data, ... }) that becomes the reply; a
// reply keeps the request's spec version.
module.exports = function jsExample(context) {
  console.log('simple example. context:', context);
  return {
    type: 'dev.nodeshift.samples.fromjs',
    source: 'nodeshift/samples/js-example-service',
    data: { a: 8, b: 10 },
  };
};
