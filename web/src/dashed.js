// A sigma edge program drawing dashed lines (proposed relations): the rectangle edge program
// with the distance along the edge passed to the fragment shader, which leaves gaps.
import { EdgeRectangleProgram } from "sigma/rendering";

const ALONG = `
  vec2 ndcStart = (u_matrix * vec3(a_positionStart, 1)).xy;
  vec2 ndcEnd = (u_matrix * vec3(a_positionEnd, 1)).xy;
  v_along = a_positionCoef * length(ndcEnd - ndcStart) * 400.0;
  v_normal = unitNormal;`;

const FRAGMENT = `
precision mediump float;

varying vec4 v_color;
varying vec2 v_normal;
varying float v_thickness;
varying float v_feather;
varying float v_along;

const vec4 transparent = vec4(0.0, 0.0, 0.0, 0.0);

void main(void) {
  #ifdef PICKING_MODE
  gl_FragColor = v_color;
  #else
  if (mod(v_along, 12.0) > 7.0) discard;
  float dist = length(v_normal) * v_thickness;
  float t = smoothstep(v_thickness - v_feather, v_thickness, dist);
  gl_FragColor = mix(v_color, transparent, t);
  #endif
}
`;

export class EdgeDashedProgram extends EdgeRectangleProgram {
  getDefinition() {
    const definition = super.getDefinition();
    const vertex = definition.VERTEX_SHADER_SOURCE.replace(
      "varying float v_feather;",
      "varying float v_feather;\nvarying float v_along;",
    ).replace("v_normal = unitNormal;", ALONG);
    return { ...definition, VERTEX_SHADER_SOURCE: vertex, FRAGMENT_SHADER_SOURCE: FRAGMENT };
  }
}
