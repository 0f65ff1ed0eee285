// The two adapters around add.wasm (seed 003's wasm-example-service): one turns the event
// into the function's arguments, one turns what it returned into the answer. Return an
// event ({ type, source, data }) from toResponse to reply with one.
module.exports = {
  toArguments(context) {
    const data = (context.cloudevent && context.cloudevent.data) || {};
    return [Number(data.a), Number(data.b)];
  },
  toResponse(result) {
    return { result };
  },
};
