// Monthly disbursements chart of the policy statistics page; the numbers come from data attributes of #stats-chart.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("stats-chart");
  if (!box || !window.echarts) { return; }
  var months = box.dataset.months ? box.dataset.months.split(",") : [];
  var amounts = box.dataset.amounts ? box.dataset.amounts.split(",").map(Number) : [];
  if (!months.length) { box.textContent = "所选期间暂无拨付记录"; return; }
  var chart = window.echarts.init(box);
  chart.setOption({
    title: { text: "按月拨付金额(元)", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: months },
    yAxis: { type: "value" },
    series: [{ type: "bar", data: amounts, itemStyle: { color: "#1d4e89" } }]
  });
});
