#!/usr/bin/env python3
"""bench-cpu.py FILE...: from bench-cpu.sh samples, per burst of traffic toward the SUT (> 50 MB/s, bursts split by idle
gaps, bursts under 0.2 GB left out): SUT CPU seconds per GB received, rate, bytes per frame (super-frames) and per ACK
frame the SUT sent, and CPU seconds of each loop thread."""
import sys
for f in sys.argv[1:]:
    rows=[list(map(float,l.split())) for l in open(f) if len(l.split())>=5]
    bursts=[]; cur=None
    for a,b in zip(rows,rows[1:]):
        dt=b[0]-a[0]; dtx=b[3]-a[3]
        if dt>0 and dtx/dt>50e6:
            if cur is None: cur=[0,0,0,0,0,[0]*(len(b)-7)]; bursts.append(cur)
            cur[0]+=(b[1]+b[2]-a[1]-a[2])/100; cur[1]+=dtx; cur[2]+=dt
            if len(a)>=7: cur[3]+=b[5]-a[5]; cur[4]+=b[6]-a[6]
            if len(a)==len(b) and len(cur[5])==len(b)-7: cur[5]=[x+(b[7+i]-a[7+i])/100 for i,x in enumerate(cur[5])]
        else: cur=None
    print(f, " ".join(f"[{c/(by/1e9):.3f} s/GB {by*8/t/1e9:.1f}Gb/s {by/max(fi,1)/1e3:.0f}kB/frame {by/max(ac,1)/1e3:.0f}kB/ack loops {'/'.join(f'{x:.2f}' for x in lp)}s]" for c,by,t,fi,ac,lp in bursts if by>2e8))
